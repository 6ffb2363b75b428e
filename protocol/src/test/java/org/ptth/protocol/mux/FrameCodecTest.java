package org.ptth.protocol.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class FrameCodecTest {

    /** One received frame, its payload copied out of the parser's slice. */
    private record Got(FrameType type, int tunnel, byte[] payload) {
    }

    private static ByteBuffer everyFrame() {
        final ByteBuffer out = ByteBuffer.allocate(4096 + Frames.MAX_PAYLOAD);
        Frames.open(out, 1, "ssh", "laptop from 10.0.0.7", ByteBuffer.wrap("SSH-2.0-x\r\n".getBytes(StandardCharsets.US_ASCII)));
        Frames.opened(out, 1);
        Frames.refuse(out, 2, 502, "target refused by server proxy: Connection refused");
        Frames.data(out, 1, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        Frames.end(out, 1);
        Frames.abort(out, 3, "peer gone");
        Frames.credit(out, 1, 32768);
        Frames.ping(out, 0x0102030405060708L);
        Frames.pong(out, -1L);
        Frames.listen(out, List.of("ssh", "web"));
        Frames.goaway(out, "relay stopping");
        Frames.data(out, 0x7fffffff, ByteBuffer.wrap(new byte[Frames.MAX_PAYLOAD]));
        return out.flip();
    }

    private static List<Got> parseInPieces(final ByteBuffer wire, final int... cuts) throws MuxProtocolException {
        final FrameParser parser = new FrameParser();
        final List<Got> got = new ArrayList<>();
        final FrameParser.Sink sink = (type, tunnel, payload) -> {
            final byte[] copy = new byte[payload.remaining()];
            payload.get(copy);
            got.add(new Got(type, tunnel, copy));
        };
        int from = 0;
        for (final int cut : cuts) {
            parser.feed(wire.slice(from, cut - from), sink);
            from = cut;
        }
        parser.feed(wire.slice(from, wire.limit() - from), sink);
        assertTrue(parser.atBoundary(), "input ended on a frame boundary");
        return got;
    }

    @Test
    void everyFrameRoundTripsWhole() throws Exception {
        final List<Got> got = parseInPieces(everyFrame());
        assertEquals(12, got.size());
        final Payloads.Open open = Payloads.open(ByteBuffer.wrap(got.get(0).payload()));
        assertEquals("ssh", open.port());
        assertEquals("laptop from 10.0.0.7", open.label());
        assertEquals("SSH-2.0-x\r\n", StandardCharsets.US_ASCII.decode(open.firstBytes()).toString());
        assertEquals(FrameType.OPENED, got.get(1).type());
        final Payloads.Refusal refusal = Payloads.refusal(ByteBuffer.wrap(got.get(2).payload()));
        assertEquals(502, refusal.status());
        assertEquals("target refused by server proxy: Connection refused", refusal.reason());
        assertArrayEquals(new byte[] {1, 2, 3}, got.get(3).payload());
        assertEquals(FrameType.END, got.get(4).type());
        assertEquals("peer gone", Payloads.reason(ByteBuffer.wrap(got.get(5).payload())));
        assertEquals(32768, Payloads.credit(ByteBuffer.wrap(got.get(6).payload())));
        assertEquals(0x0102030405060708L, Payloads.pingToken(ByteBuffer.wrap(got.get(7).payload())));
        assertEquals(0, got.get(7).tunnel());
        assertEquals(-1L, Payloads.pingToken(ByteBuffer.wrap(got.get(8).payload())));
        assertEquals(List.of("ssh", "web"), Payloads.ports(ByteBuffer.wrap(got.get(9).payload())));
        assertEquals("relay stopping", Payloads.reason(ByteBuffer.wrap(got.get(10).payload())));
        assertEquals(0x7fffffff, got.get(11).tunnel());
        assertEquals(Frames.MAX_PAYLOAD, got.get(11).payload().length);
    }

    @Test
    void framesSplitAtEveryPositionParseTheSame() throws Exception {
        final ByteBuffer wire = everyFrame();
        final List<Got> whole = parseInPieces(wire.duplicate());
        // the last frame is 64 KiB: cutting inside the first 700 bytes covers every small frame's every byte
        for (int cut = 1; cut < 700; cut++) {
            final List<Got> split = parseInPieces(wire.duplicate(), cut, Math.min(wire.limit(), cut + 3));
            assertEquals(whole.size(), split.size(), "cut at " + cut);
            for (int i = 0; i < whole.size(); i++) {
                assertEquals(whole.get(i).type(), split.get(i).type(), "cut at " + cut);
                assertEquals(whole.get(i).tunnel(), split.get(i).tunnel(), "cut at " + cut);
                assertArrayEquals(whole.get(i).payload(), split.get(i).payload(), "cut at " + cut);
            }
        }
    }

    @Test
    void byteByByteParsesTheSame() throws Exception {
        final ByteBuffer wire = everyFrame();
        final int[] cuts = new int[wire.limit() - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        assertEquals(12, parseInPieces(wire, cuts).size());
    }

    @Test
    void renumberRewritesOnlyTheTunnel() throws Exception {
        final ByteBuffer out = ByteBuffer.allocate(64);
        Frames.data(out, 7, ByteBuffer.wrap(new byte[] {9}));
        out.flip();
        Frames.renumber(out, 0, 42);
        final List<Got> got = parseInPieces(out);
        assertEquals(42, got.get(0).tunnel());
        assertArrayEquals(new byte[] {9}, got.get(0).payload());
    }

    @Test
    void garbageIsAProtocolError() {
        final ByteBuffer html = ByteBuffer.wrap("<html><body>502 Bad Gateway".getBytes(StandardCharsets.US_ASCII));
        final MuxProtocolException e = assertThrows(MuxProtocolException.class,
                () -> new FrameParser().feed(html, (t, n, p) -> { }));
        assertEquals("unknown frame type 0x3c", e.getMessage());
    }

    @Test
    void oversizedLengthIsRefusedFromTheHeaderAlone() {
        final ByteBuffer header = ByteBuffer.allocate(8).putInt('D' << 24 | (Frames.MAX_PAYLOAD + 1)).putInt(1).flip();
        assertThrows(MuxProtocolException.class, () -> new FrameParser().feed(header, (t, n, p) -> { }));
    }

    @Test
    void tunnelZeroBelongsToTheConnection() {
        final ByteBuffer dataOnZero = ByteBuffer.allocate(8).putInt('E' << 24).putInt(0).flip();
        assertThrows(MuxProtocolException.class, () -> new FrameParser().feed(dataOnZero, (t, n, p) -> { }));
        final ByteBuffer pingOnFive = ByteBuffer.allocate(16).putInt('P' << 24 | 8).putInt(5).putLong(1).flip();
        assertThrows(MuxProtocolException.class, () -> new FrameParser().feed(pingOnFive, (t, n, p) -> { }));
    }

    @Test
    void payloadsThatDoNotParseAreRefused() {
        assertThrows(MuxProtocolException.class, () -> Payloads.credit(ByteBuffer.allocate(4).putInt(0, 0)));
        assertThrows(MuxProtocolException.class, () -> Payloads.credit(ByteBuffer.allocate(3)));
        assertThrows(MuxProtocolException.class, () -> Payloads.refusal(ByteBuffer.allocate(2).putShort(0, (short) 200)));
        assertThrows(MuxProtocolException.class, () -> Payloads.open(ByteBuffer.wrap(new byte[] {3, 'a', 'b'})));
        assertThrows(MuxProtocolException.class, () -> Payloads.open(ByteBuffer.wrap(new byte[] {2, '.', '.', 0})));
        assertThrows(MuxProtocolException.class, () -> Payloads.ports(ByteBuffer.wrap(new byte[] {1, '/'})));
        assertThrows(MuxProtocolException.class, () -> Payloads.empty(FrameType.END, ByteBuffer.allocate(1)));
    }

    @Test
    void reasonsAreCutAtACharacterAndPrintable() throws Exception {
        final ByteBuffer out = ByteBuffer.allocate(4096);
        Frames.abort(out, 1, "é".repeat(600) + "\nforged log line");
        out.flip();
        final List<Got> got = parseInPieces(out);
        assertEquals(1024, got.get(0).payload().length, "600 two-byte characters cut to 512");
        assertEquals("é".repeat(512), Payloads.reason(ByteBuffer.wrap(got.get(0).payload())));
        assertEquals("a\\u000ab\\u005c", Payloads.reason(ByteBuffer.wrap("a\nb\\".getBytes(StandardCharsets.UTF_8))));
        final ByteBuffer huge = ByteBuffer.wrap(new byte[2000]);
        assertTrue(Payloads.reason(huge).endsWith("..."), "a reason over the limit says it was cut");
    }

    @Test
    void namesFollowTheRule() {
        assertThrows(IllegalArgumentException.class, () -> Frames.listen(ByteBuffer.allocate(64), List.of("a b")));
        assertThrows(IllegalArgumentException.class,
                () -> Frames.open(ByteBuffer.allocate(64), 1, "..", "", null));
        assertThrows(IllegalArgumentException.class, () -> Frames.credit(ByteBuffer.allocate(64), 1, 0));
    }
}
