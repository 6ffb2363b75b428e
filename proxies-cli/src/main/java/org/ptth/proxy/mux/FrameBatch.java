package org.ptth.proxy.mux;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.concurrent.CompletionStage;

import org.ptth.protocol.mux.Frames;

/**
 * The outgoing frames of one connection, of all its tunnels. Frames are appended into a message
 * buffer; {@link #flush} sends what has gathered unless a send is in flight, and when a send
 * completes, whatever gathered meanwhile goes out as the next message. So there is one send at a
 * time, and under load many small frames of many tunnels share one message, one write and one
 * wake-up of the relay. Producers append a round of frames and flush once at its end.
 *
 * <p>A message holds at most {@link Frames#MAX_MESSAGE_BYTES}; a full buffer is sealed and queued.
 * DATA producers ask {@link #backedUp()} before reading their socket, so that what waits here stays
 * bounded; control frames (CREDIT, END, ABORT, PONG, ...) are always taken, they are small.
 */
final class FrameBatch {

    /** Sends one whole message; the stage completes once the buffer may be reused. */
    interface Sender {
        CompletionStage<?> send(ByteBuffer message);
    }

    /** What the batch tells its connection. */
    interface Events {
        /** Waiting bytes fell below the low-water mark after {@link #backedUp()} said true: read again. */
        void drained();

        /** A send failed: the connection is broken. */
        void sendFailed(Throwable failure);
    }

    /** Above this many waiting bytes, DATA producers stop reading their sockets. */
    static final int HIGH_WATER = 2 * Frames.MAX_MESSAGE_BYTES;
    static final int LOW_WATER = Frames.MAX_MESSAGE_BYTES / 2;
    /** Buffers kept for reuse: the one in flight, the one filling, one sealed. */
    private static final int POOLED = 3;

    /** One frame's bytes, written at the buffer's position. */
    interface FrameWriter {
        void write(ByteBuffer out);
    }

    private final Sender sender;
    private final Events events;
    private final ArrayDeque<ByteBuffer> sealed = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> pool = new ArrayDeque<>();
    private ByteBuffer filling;
    private long waiting;
    private boolean sending;
    private boolean wasBackedUp;
    private boolean failed;
    private long messages;
    private long frames;
    /** Waiting for everything appended to have been sent: a link about to close. */
    private final java.util.List<java.util.concurrent.CompletableFuture<Void>> idle = new java.util.ArrayList<>();

    FrameBatch(final Sender sender, final Events events) {
        this.sender = sender;
        this.events = events;
    }

    /** Appends one frame of {@code size} bytes (header included), written by {@code writer}. */
    void append(final int size, final FrameWriter writer) {
        synchronized (this) {
            if (failed) {
                return;
            }
            if (filling == null) {
                filling = buffer();
            } else if (filling.remaining() < size) {
                sealed.add(filling.flip());
                filling = buffer();
            }
            writer.write(filling);
            waiting += size;
            frames++;
        }
    }

    /** DATA with the remaining bytes of {@code data}. */
    void data(final int tunnel, final ByteBuffer data) {
        append(Frames.size(data.remaining()), out -> Frames.data(out, tunnel, data));
    }

    void credit(final int tunnel, final int increment) {
        append(Frames.size(4), out -> Frames.credit(out, tunnel, increment));
    }

    void end(final int tunnel) {
        append(Frames.size(0), out -> Frames.end(out, tunnel));
    }

    void abort(final int tunnel, final String reason) {
        append(Frames.size(Frames.reasonPayload(reason)), out -> Frames.abort(out, tunnel, reason));
    }

    void opened(final int tunnel) {
        append(Frames.size(0), out -> Frames.opened(out, tunnel));
    }

    void refuse(final int tunnel, final int status, final String reason) {
        append(Frames.size(2 + Frames.reasonPayload(reason)), out -> Frames.refuse(out, tunnel, status, reason));
    }

    void open(final int tunnel, final String port, final ByteBuffer firstBytes) {
        append(Frames.size(Frames.openPayload(port, "", firstBytes.remaining())),
                out -> Frames.open(out, tunnel, port, "", firstBytes));
    }

    void ping(final long token) {
        append(Frames.size(Frames.PING_BYTES), out -> Frames.ping(out, token));
    }

    void pong(final long token) {
        append(Frames.size(Frames.PING_BYTES), out -> Frames.pong(out, token));
    }

    void listen(final Collection<String> ports) {
        append(Frames.size(Frames.listenPayload(ports)), out -> Frames.listen(out, ports));
    }

    void goaway(final String reason) {
        append(Frames.size(Frames.reasonPayload(reason)), out -> Frames.goaway(out, reason));
    }

    /** Whether DATA producers should stop reading until {@link Events#drained()}. */
    synchronized boolean backedUp() {
        if (waiting >= HIGH_WATER) {
            wasBackedUp = true;
            return true;
        }
        return false;
    }

    /** Sends what has gathered, unless a send is in flight (its completion sends it then). */
    void flush() {
        final ByteBuffer next;
        synchronized (this) {
            if (sending || failed) {
                return;
            }
            next = take();
            if (next == null) {
                return;
            }
            sending = true;
        }
        transmit(next);
    }

    /**
     * Sends what has gathered and completes once nothing is left to send (or sending failed): what a
     * connection must wait for before its close frame, which would otherwise overtake its last frames.
     */
    java.util.concurrent.CompletableFuture<Void> allSent() {
        flush();
        synchronized (this) {
            if (failed || !sending) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
            final java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
            idle.add(done);
            return done;
        }
    }

    /** Messages and frames sent so far, for the measurements of batching. */
    synchronized long messages() {
        return messages;
    }

    synchronized long frames() {
        return frames;
    }

    private void transmit(final ByteBuffer message) {
        final CompletionStage<?> done;
        try {
            done = sender.send(message);
        } catch (final RuntimeException refused) {
            fail(refused);
            return;
        }
        done.whenComplete((ignored, failure) -> sent(message, failure));
    }

    private void sent(final ByteBuffer message, final Throwable failure) {
        if (failure != null) {
            fail(failure);
            return;
        }
        final ByteBuffer next;
        final boolean resume;
        final java.util.List<java.util.concurrent.CompletableFuture<Void>> nowIdle;
        synchronized (this) {
            if (pool.size() < POOLED) {
                pool.add(message.clear());
            }
            next = take();
            sending = next != null;
            resume = wasBackedUp && waiting < LOW_WATER;
            if (resume) {
                wasBackedUp = false;
            }
            nowIdle = sending || idle.isEmpty() ? java.util.List.of() : new java.util.ArrayList<>(idle);
            if (!nowIdle.isEmpty()) {
                idle.clear();
            }
        }
        nowIdle.forEach(done -> done.complete(null));
        if (resume) {
            events.drained();
        }
        if (next != null) {
            transmit(next);
        }
    }

    private void fail(final Throwable failure) {
        synchronized (this) {
            if (failed) {
                return;
            }
            failed = true;
            sealed.clear();
            filling = null;
        }
        final java.util.List<java.util.concurrent.CompletableFuture<Void>> waiting;
        synchronized (this) {
            waiting = new java.util.ArrayList<>(idle);
            idle.clear();
        }
        waiting.forEach(done -> done.complete(null));
        events.sendFailed(failure);
    }

    /** The next whole message to send (sealed first, then what is filling), or null. */
    private ByteBuffer take() {
        ByteBuffer next = sealed.poll();
        if (next == null && filling != null && filling.position() > 0) {
            next = filling.flip();
            filling = null;
        }
        if (next != null) {
            waiting -= next.remaining();
            messages++;
        }
        return next;
    }

    private ByteBuffer buffer() {
        final ByteBuffer reused = pool.poll();
        return reused != null ? reused : ByteBuffer.allocate(Frames.MAX_MESSAGE_BYTES);
    }
}
