package org.ptth.protocol.pth1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class FrameCodecTest {

    private static byte[] ascii(final String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static FrameReader reader(final byte[] bytes) {
        return new FrameReader(new ByteArrayInputStream(bytes));
    }

    @Test
    void roundTripCarriesDataHeartbeatAndEnd() throws IOException {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final FrameWriter writer = new FrameWriter(body);
        writer.preamble();
        writer.data(ascii("hello"), 0, 5);
        writer.heartbeat();
        writer.data(ascii("xworldx"), 1, 5);
        writer.end();

        final FrameReader reader = reader(body.toByteArray());
        assertFrame(reader.next(), FrameType.DATA, "hello");
        assertFrame(reader.next(), FrameType.HEARTBEAT, "");
        assertFrame(reader.next(), FrameType.DATA, "world");
        assertFrame(reader.next(), FrameType.END, "");
        assertThrows(IllegalStateException.class, reader::next, "nothing may be read after END");
    }

    @Test
    void wireFormatIsPreambleThenTypeAndBigEndianLength() throws IOException {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final FrameWriter writer = new FrameWriter(body);
        writer.preamble();
        writer.data(new byte[0x010203], 0, 0x010203);
        final byte[] bytes = body.toByteArray();
        assertArrayEquals(ascii("PTH1"), Arrays.copyOfRange(bytes, 0, 4));
        assertArrayEquals(new byte[] {'D', 0x01, 0x02, 0x03}, Arrays.copyOfRange(bytes, 4, 8));
        assertEquals(8 + 0x010203, bytes.length);
    }

    @Test
    void dataLargerThanOneFrameIsSplit() throws IOException {
        final byte[] big = new byte[FrameFormat.MAX_DATA + 10];
        Arrays.fill(big, (byte) 7);
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final FrameWriter writer = new FrameWriter(body);
        writer.preamble();
        writer.data(big, 0, big.length);
        writer.end();

        final FrameReader reader = reader(body.toByteArray());
        assertEquals(FrameFormat.MAX_DATA, reader.next().payload().length);
        assertEquals(10, reader.next().payload().length);
        assertEquals(FrameType.END, reader.next().type());
    }

    @Test
    void abortCarriesItsReason() throws IOException {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final FrameWriter writer = new FrameWriter(body);
        writer.preamble();
        writer.abort("connection reset by peer");
        final Frame frame = reader(body.toByteArray()).next();
        assertEquals(FrameType.ABORT, frame.type());
        assertEquals("connection reset by peer", frame.reason());
    }

    @Test
    void htmlPageIsReportedAsGarbage() {
        final FramingException garbage = assertThrows(FramingException.class,
                () -> reader(ascii("<html><body>502 Bad Gateway</body></html>")).next());
        assertTrue(garbage.getMessage().contains("PTH1"), garbage.getMessage());
        assertTrue(garbage.getMessage().contains("<htm"), garbage.getMessage());
    }

    @Test
    void unknownFrameTypeIsGarbage() {
        final FramingException garbage = assertThrows(FramingException.class,
                () -> reader(ascii("PTH1X\0\0\0")).next());
        assertTrue(garbage.getMessage().contains("unknown frame type"), garbage.getMessage());
    }

    @Test
    void oversizedDataLengthIsGarbage() {
        final byte[] header = {'P', 'T', 'H', '1', 'D', 0x10, 0x00, 0x01}; // 1 MiB + 1
        final FramingException garbage = assertThrows(FramingException.class, () -> reader(header).next());
        assertTrue(garbage.getMessage().contains("impossible length"), garbage.getMessage());
    }

    @Test
    void emptyDataAndEndWithPayloadAreGarbage() {
        assertThrows(FramingException.class, () -> reader(new byte[] {'P', 'T', 'H', '1', 'D', 0, 0, 0}).next());
        assertThrows(FramingException.class, () -> reader(new byte[] {'P', 'T', 'H', '1', 'E', 0, 0, 1, 'x'}).next());
    }

    @Test
    void bodyEndingWithoutEndIsACutAbort() throws IOException {
        final FrameReader atBoundary = reader(ascii("PTH1D\0\0\u0002ok"));
        assertFrame(atBoundary.next(), FrameType.DATA, "ok");
        assertCut(atBoundary.next());

        assertCut(reader(ascii("PTH1D\0\0\u0005ab")).next()); // inside a payload
        assertCut(reader(ascii("PTH1D\0")).next()); // inside a header
        assertCut(reader(ascii("PT")).next()); // inside the preamble
        assertCut(reader(new byte[0]).next()); // nothing at all
    }

    private static void assertCut(final Frame frame) {
        assertEquals(FrameType.ABORT, frame.type());
        assertEquals(FrameReader.CUT_REASON, frame.reason());
    }

    private static void assertFrame(final Frame frame, final FrameType type, final String payload) {
        assertEquals(type, frame.type());
        assertEquals(payload, new String(frame.payload(), StandardCharsets.US_ASCII));
    }
}
