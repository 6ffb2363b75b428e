package org.ptth.protocol.pth1;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The non-blocking reader of PTH1 bodies against what {@link FrameWriter} writes, cut at every place. */
class IncrementalReaderTest {

    private static class Recorder implements IncrementalReader.Sink {
        final ByteArrayOutputStream data = new ByteArrayOutputStream();
        final List<String> events = new ArrayList<>();

        @Override
        public void data(final ByteBuffer part) {
            final byte[] b = new byte[part.remaining()];
            part.get(b);
            data.writeBytes(b);
        }

        @Override
        public void end() {
            events.add("end at " + data.size());
        }

        @Override
        public void heartbeat() {
            events.add("heartbeat at " + data.size());
        }

        @Override
        public void abort(final String reason) {
            events.add("abort at " + data.size() + ": " + reason);
        }
    }

    private static byte[] body(final byte[] payload, final boolean abort) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final FrameWriter w = new FrameWriter(out);
        w.preamble();
        w.data(payload, 0, 1000);
        w.heartbeat();
        w.data(payload, 1000, payload.length - 1000);
        if (abort) {
            w.abort("target reset");
        } else {
            w.end();
            w.heartbeat();
        }
        return out.toByteArray();
    }

    @Test
    void everyCutGivesTheSameBytesAndEvents() throws Exception {
        final byte[] payload = new byte[70_000];
        new Random(1).nextBytes(payload);
        for (final boolean abort : new boolean[] {false, true}) {
            final byte[] wire = body(payload, abort);
            final List<String> expected = abort
                    ? List.of("heartbeat at 1000", "abort at 70000: target reset")
                    : List.of("heartbeat at 1000", "end at 70000", "heartbeat at 70000");
            for (int cut = 0; cut <= wire.length; cut += cut < 40 || cut > wire.length - 40 ? 1 : 331) {
                final Recorder r = new Recorder();
                final IncrementalReader reader = new IncrementalReader();
                reader.feed(ByteBuffer.wrap(wire, 0, cut), r);
                reader.feed(ByteBuffer.wrap(wire, cut, wire.length - cut), r);
                assertArrayEquals(payload, r.data.toByteArray(), "cut at " + cut);
                assertEquals(expected, r.events, "cut at " + cut);
                assertTrue(abort ? reader.aborted() : reader.ended());
            }
        }
    }

    @Test
    void oneByteAtATimeWorks() throws Exception {
        final byte[] payload = new byte[2000];
        new Random(2).nextBytes(payload);
        final byte[] wire = body(payload, false);
        final Recorder r = new Recorder();
        final IncrementalReader reader = new IncrementalReader();
        for (int i = 0; i < wire.length; i++) {
            reader.feed(ByteBuffer.wrap(wire, i, 1), r);
        }
        assertArrayEquals(payload, r.data.toByteArray());
        assertTrue(reader.atBoundary());
    }

    @Test
    void garbageIsRefusedWithAMessageThatSaysSo() {
        assertGarbage("<htm".getBytes(), "expected the PTH1 preamble, got \"<htm\"");
        assertGarbage(new byte[] {'P', 'T', 'H', '1', 'Z', 0, 0, 0}, "unknown frame type 0x5a");
        assertGarbage(new byte[] {'P', 'T', 'H', '1', 'D', 0x10, 0, 1}, "DATA frame with impossible length");
        assertGarbage(new byte[] {'P', 'T', 'H', '1', 'E', 0, 0, 0, 'D', 0, 0, 1, 7}, "DATA after END");
        assertGarbage(new byte[] {'P', 'T', 'H', '1', 'H', 0, 0, 1}, "HEARTBEAT frame with impossible length");
    }

    @Test
    void creditIsGarbageWithoutFlowControlAndReadWithIt() throws Exception {
        final byte[] wire = {'P', 'T', 'H', '1', 'C', 0, 0, 4, 0, 1, 0, 0, 'E', 0, 0, 0, 'C', 0, 0, 4, 0, 0, 0, 9};
        assertGarbage(wire, "CREDIT on a tunnel without flow control");
        final List<Integer> grants = new ArrayList<>();
        final Recorder r = new Recorder() {
            @Override
            public void credit(final int increment) {
                grants.add(increment);
            }
        };
        final IncrementalReader reader = new IncrementalReader().allowCredit();
        for (int i = 0; i < wire.length; i++) {
            reader.feed(ByteBuffer.wrap(wire, i, 1), r);
        }
        assertEquals(List.of(65536, 9), grants);
        assertEquals(List.of("end at 0"), r.events);
    }

    @Test
    void aLongAbortReasonIsCutToTheKeptSize() throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final FrameWriter w = new FrameWriter(out);
        w.preamble();
        w.abort("x".repeat(5000));
        final Recorder r = new Recorder();
        new IncrementalReader().feed(ByteBuffer.wrap(out.toByteArray()), r);
        assertEquals("abort at 0: " + "x".repeat(IncrementalReader.MAX_REASON_KEPT), r.events.get(0));
    }

    private static void assertGarbage(final byte[] wire, final String part) {
        final FramingException e = assertThrows(FramingException.class,
                () -> new IncrementalReader().feed(ByteBuffer.wrap(wire), new Recorder()));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
