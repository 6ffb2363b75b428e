package org.ptth.proxy.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;
import org.ptth.protocol.mux.FrameParser;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.MuxProtocolException;

class FrameBatchTest {

    /** Holds each send open until the test completes it. */
    private static final class Sends implements FrameBatch.Sender {
        final List<ByteBuffer> messages = new ArrayList<>();
        final List<CompletableFuture<Void>> pending = new ArrayList<>();

        @Override
        public CompletionStage<?> send(final ByteBuffer message) {
            final ByteBuffer copy = ByteBuffer.allocate(message.remaining()).put(message.duplicate()).flip();
            messages.add(copy);
            final CompletableFuture<Void> done = new CompletableFuture<>();
            pending.add(done);
            return done;
        }

        void complete(final int index) {
            pending.get(index).complete(null);
        }
    }

    private final Sends sends = new Sends();
    private final FrameBatch.Events events = mock(FrameBatch.Events.class);
    private final FrameBatch batch = new FrameBatch(sends, events);

    @Test
    void framesGatheredWhileASendIsInFlightLeaveTogetherInTheNextMessage() throws Exception {
        batch.credit(1, 100);
        batch.flush();
        assertEquals(1, sends.messages.size(), "nothing in flight: the first frame leaves at once");
        for (int tunnel = 1; tunnel <= 5; tunnel++) {
            batch.data(tunnel, ByteBuffer.wrap(new byte[] {(byte) tunnel}));
            batch.flush();
        }
        assertEquals(1, sends.messages.size(), "one send at a time");
        sends.complete(0);
        assertEquals(2, sends.messages.size());
        final List<Integer> tunnels = new ArrayList<>();
        parse(sends.messages.get(1), (type, tunnel, payload) -> {
            assertEquals(FrameType.DATA, type);
            tunnels.add(tunnel);
        });
        assertEquals(List.of(1, 2, 3, 4, 5), tunnels, "five frames of five tunnels in one message, in order");
        sends.complete(1);
        assertEquals(2, sends.messages.size(), "nothing left to send");
    }

    @Test
    void aMessageNeverHoldsMoreThanTheLimitNorSplitsAFrame() throws Exception {
        final int frames = 10;
        for (int i = 0; i < frames; i++) {
            batch.data(i + 1, ByteBuffer.wrap(new byte[Frames.MAX_PAYLOAD]));
        }
        batch.flush();
        int seen = 0;
        for (int i = 0; i < sends.messages.size() || i < sends.pending.size(); i++) {
            if (i >= sends.messages.size()) {
                break;
            }
            final ByteBuffer message = sends.messages.get(i);
            assertTrue(message.remaining() <= Frames.MAX_MESSAGE_BYTES, message.remaining() + " bytes");
            final FrameParser parser = new FrameParser();
            final int[] count = new int[1];
            parser.feed(message.duplicate(), (type, tunnel, payload) -> count[0]++);
            assertTrue(parser.atBoundary(), "whole frames only");
            seen += count[0];
            sends.complete(i);
        }
        assertEquals(frames, seen);
    }

    @Test
    void producersAreToldToWaitWhileTheBatchIsBackedUpAndWhenItDrained() {
        batch.credit(1, 1);
        batch.flush(); // in flight: everything else waits
        while (!batch.backedUp()) {
            batch.data(1, ByteBuffer.wrap(new byte[Frames.MAX_PAYLOAD]));
        }
        verify(events, never()).drained();
        for (int i = 0; i < sends.pending.size(); i++) {
            sends.complete(i);
        }
        assertFalse(batch.backedUp());
        verify(events, times(1)).drained();
    }

    @Test
    void aFailedSendEndsTheBatch() {
        final FrameBatch failing = new FrameBatch(message -> CompletableFuture.failedFuture(new java.io.IOException("reset")),
                events);
        failing.ping(1);
        failing.flush();
        verify(events).sendFailed(any(java.io.IOException.class));
        failing.ping(2);
        failing.flush();
        verify(events, times(1)).sendFailed(any());
    }

    private static void parse(final ByteBuffer message, final FrameParser.Sink sink) throws MuxProtocolException {
        new FrameParser().feed(message.duplicate(), sink);
    }
}
