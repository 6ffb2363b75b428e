package org.ptth.relay.websocket;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client frames of RFC 6455 as the relay reads them, cut at every possible place. */
class FrameDecoderTest {

    /** Everything the decoder reports, in order, as readable events; binary parts are joined per message. */
    private static class Recorder implements FrameDecoder.Handler {
        final List<String> events = new ArrayList<>();
        final List<byte[]> messages = new ArrayList<>();
        final ByteArrayOutputStream message = new ByteArrayOutputStream();

        @Override
        public void binary(final ByteBuffer part, final boolean messageEnds) {
            final byte[] bytes = new byte[part.remaining()];
            part.get(bytes);
            message.writeBytes(bytes);
            if (messageEnds) {
                messages.add(message.toByteArray());
                events.add("binary " + message.size());
                message.reset();
            }
        }

        @Override
        public void ping(final ByteBuffer payload) {
            events.add("ping " + StandardCharsets.UTF_8.decode(payload));
        }

        @Override
        public void pong(final ByteBuffer payload) {
            events.add("pong " + StandardCharsets.UTF_8.decode(payload));
        }

        @Override
        public void closeFrame(final int code, final String reason) {
            events.add("close " + code + " " + reason);
        }
    }

    /** A client frame: FIN, opcode, masked with {@code mask}, the length in the shortest form. */
    static byte[] frame(final boolean fin, final int opcode, final byte[] payload, final int mask) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            out.write(0x80 | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length);
        } else {
            out.write(0x80 | 127);
            out.writeBytes(ByteBuffer.allocate(8).putLong(payload.length).array());
        }
        out.writeBytes(ByteBuffer.allocate(4).putInt(mask).array());
        final byte[] masked = payload.clone();
        for (int i = 0; i < masked.length; i++) {
            masked[i] ^= (byte) (mask >>> (8 * (3 - (i & 3))));
        }
        out.writeBytes(masked);
        return out.toByteArray();
    }

    private static byte[] concat(final byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] random(final int n, final long seed) {
        final byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Recorder decodeInOneRead(final byte[] wire) throws WebSocketException {
        final Recorder r = new Recorder();
        new FrameDecoder(r, Long.MAX_VALUE).feed(wire.clone(), 0, wire.length);
        return r;
    }

    /** Feeds the bytes cut at {@code cut}, in two reads at offsets inside a larger array, as a socket would. */
    private static Recorder decodeSplit(final byte[] wire, final int cut) throws WebSocketException {
        final Recorder r = new Recorder();
        final FrameDecoder decoder = new FrameDecoder(r, Long.MAX_VALUE);
        final byte[] read = new byte[wire.length + 10];
        System.arraycopy(wire, 0, read, 3, cut);
        decoder.feed(read, 3, cut);
        Arrays.fill(read, (byte) 0x55);
        System.arraycopy(wire, cut, read, 7, wire.length - cut);
        decoder.feed(read, 7, wire.length - cut);
        return r;
    }

    @Test
    void aMaskedBinaryMessageIsUnmaskedWhateverTheLengthForm() throws Exception {
        for (final int length : new int[] {0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 70000}) {
            final byte[] payload = random(length, length);
            final Recorder r = decodeInOneRead(frame(true, 2, payload, 0xa1b2c3d4));
            assertEquals(List.of("binary " + length), r.events, "length " + length);
            assertArrayEquals(payload, r.messages.get(0), "length " + length);
        }
    }

    @Test
    void everySplitPositionGivesTheSameMessagesAndControlFrames() throws Exception {
        final byte[] first = random(300, 1);
        final byte[] second = random(70_000, 2);
        final byte[] wire = concat(
                frame(false, 2, Arrays.copyOfRange(first, 0, 100), 0x01020304),
                frame(true, 9, "are you there".getBytes(StandardCharsets.UTF_8), 0x0f0e0d0c),
                frame(true, 0, Arrays.copyOfRange(first, 100, 300), 0x7f00ff11),
                frame(true, 2, second, 0xdeadbeef),
                frame(true, 10, "pong".getBytes(StandardCharsets.UTF_8), 0x12345678),
                frame(true, 2, new byte[0], 0x11111111),
                frame(true, 8, concat(new byte[] {0x03, (byte) 0xe8}, "bye".getBytes(StandardCharsets.UTF_8)), 0x22334455));
        final List<String> expected = List.of("ping are you there", "binary 300", "binary 70000", "pong pong",
                "binary 0", "close 1000 bye");
        for (int cut = 0; cut <= wire.length; cut++) {
            if (cut > 400 && cut < wire.length - 400 && cut % 997 != 0) {
                continue; // inside the long payload every cut is alike; keep the run short
            }
            final Recorder r = decodeSplit(wire, cut);
            assertEquals(expected, r.events, "cut at " + cut);
            assertArrayEquals(first, r.messages.get(0), "cut at " + cut);
            assertArrayEquals(second, r.messages.get(1), "cut at " + cut);
        }
    }

    @Test
    void byteByByteReadsWork() throws Exception {
        final byte[] payload = random(1000, 3);
        final byte[] wire = concat(frame(false, 2, Arrays.copyOfRange(payload, 0, 333), 0x01010101),
                frame(true, 9, new byte[] {1, 2}, 0x02020202),
                frame(true, 0, Arrays.copyOfRange(payload, 333, 1000), 0x03030303));
        final Recorder r = new Recorder();
        final FrameDecoder decoder = new FrameDecoder(r, Long.MAX_VALUE);
        for (int i = 0; i < wire.length; i++) {
            decoder.feed(wire, i, 1);
        }
        assertEquals(2, r.events.size(), r.events.toString());
        assertTrue(r.events.get(0).startsWith("ping"));
        assertArrayEquals(payload, r.messages.get(0));
    }

    @Test
    void unmaskingFromEveryPhaseAndOffsetMatchesTheSimpleLoop() {
        final byte[] data = random(53, 4);
        for (int phase = 0; phase < 4; phase++) {
            for (int offset = 0; offset < 9; offset++) {
                final byte[] fast = data.clone();
                FrameDecoder.unmask(fast, offset, data.length - offset - 1, 0x9abcdef0, phase);
                final byte[] slow = data.clone();
                for (int i = 0; i < data.length - offset - 1; i++) {
                    slow[offset + i] ^= (byte) (0x9abcdef0 >>> (8 * (3 - ((i + phase) & 3))));
                }
                assertArrayEquals(slow, fast, "phase " + phase + " offset " + offset);
            }
        }
    }

    @Test
    void anUnmaskedFrameIsAProtocolError() {
        final byte[] wire = {(byte) 0x82, 0x01, 0x00};
        final WebSocketException e = assertThrows(WebSocketException.class, () -> decodeInOneRead(wire));
        assertEquals(CloseCodes.PROTOCOL_ERROR, e.closeCode());
        assertTrue(e.getMessage().contains("mask"), e.getMessage());
    }

    @Test
    void eachBrokenRuleIsAProtocolErrorThatSaysWhich() {
        assertProtocolError(frame(true, 1, "text".getBytes(StandardCharsets.UTF_8), 1), "text");
        assertProtocolError(frame(true, 0, new byte[] {1}, 1), "continuation");
        assertProtocolError(concat(frame(false, 2, new byte[] {1}, 1), frame(true, 2, new byte[] {2}, 1)),
                "new message");
        assertProtocolError(frame(false, 9, new byte[] {1}, 1), "fragmented control");
        assertProtocolError(frame(true, 9, new byte[126], 1), "longer than 125");
        assertProtocolError(frame(true, 3, new byte[] {1}, 1), "opcode 0x3");
        final byte[] rsv = frame(true, 2, new byte[] {1}, 1);
        rsv[0] |= 0x40;
        assertProtocolError(rsv, "reserved bits");
        final byte[] huge = {(byte) 0x82, (byte) 0xff, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
        assertProtocolError(huge, "most significant bit");
        assertProtocolError(frame(true, 8, new byte[] {3}, 1), "one-byte");
        assertProtocolError(frame(true, 8, new byte[] {0x03, (byte) 0xed}, 1), "1005");
    }

    @Test
    void aCloseReasonThatIsNotUtf8IsAnInvalidPayload() {
        final WebSocketException e = assertThrows(WebSocketException.class,
                () -> decodeInOneRead(frame(true, 8, new byte[] {0x03, (byte) 0xe8, (byte) 0xff}, 7)));
        assertEquals(CloseCodes.INVALID_PAYLOAD, e.closeCode());
    }

    @Test
    void nothingIsReadAfterTheCloseFrame() throws Exception {
        final Recorder r = decodeInOneRead(concat(frame(true, 8, new byte[0], 5), frame(true, 2, new byte[] {1}, 5),
                new byte[] {(byte) 0xff, (byte) 0xff}));
        assertEquals(List.of("close 1005 "), r.events);
    }

    @Test
    void aHugeBinaryFrameIsStreamedInPartsWithoutBeingGatheredFirst() throws Exception {
        final long length = 1L << 40;
        final byte[] head = {(byte) 0x82, (byte) 0xff, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        final List<Integer> parts = new ArrayList<>();
        final FrameDecoder decoder = new FrameDecoder(new Recorder() {
            @Override
            public void binary(final ByteBuffer part, final boolean messageEnds) {
                parts.add(part.remaining());
            }
        }, Long.MAX_VALUE);
        decoder.feed(head, 0, head.length);
        final byte[] chunk = new byte[4096];
        decoder.feed(chunk, 0, chunk.length);
        decoder.feed(chunk, 0, chunk.length);
        assertEquals(List.of(4096, 4096), parts, "parts of a " + length + "-byte frame, as they came");
    }

    @Test
    void aMessageOverTheLimitIsRefusedWhenItsHeaderComesNotWhenItsBytesHave() throws Exception {
        final Recorder r = new Recorder();
        final FrameDecoder decoder = new FrameDecoder(r, 1000);
        final byte[] first = frame(false, 2, new byte[600], 1);
        decoder.feed(first, 0, first.length);
        final byte[] second = frame(true, 0, new byte[401], 1);
        final WebSocketException e = assertThrows(WebSocketException.class, () -> decoder.feed(second, 0, 14));
        assertEquals(CloseCodes.TOO_BIG, e.closeCode());
        final FrameDecoder fresh = new FrameDecoder(new Recorder(), 1000);
        final byte[] huge = {(byte) 0x82, (byte) 0xff, 0, 0, 0, 0, 0x7f, 0, 0, 0, 1, 2, 3, 4};
        assertEquals(CloseCodes.TOO_BIG, assertThrows(WebSocketException.class,
                () -> fresh.feed(huge, 0, huge.length)).closeCode());
        // a message at the limit passes
        final Recorder ok = new Recorder();
        final byte[] exact = frame(true, 2, new byte[1000], 1);
        new FrameDecoder(ok, 1000).feed(exact, 0, exact.length);
        assertEquals(List.of("binary 1000"), ok.events);
    }

    private static void assertProtocolError(final byte[] wire, final String part) {
        final WebSocketException e = assertThrows(WebSocketException.class, () -> decodeInOneRead(wire), part);
        assertEquals(CloseCodes.PROTOCOL_ERROR, e.closeCode(), e.getMessage());
        assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should say '" + part + "'");
    }
}
