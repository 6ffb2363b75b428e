package org.ptth.relay.join;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.pth1.FramingException;
import org.ptth.protocol.pth1.IncrementalReader;
import org.ptth.relay.mux.QueuedWriter;
import org.ptth.relay.mux.WriteBatch;
import org.ptth.relay.pump.Exchange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One direction of a joined tunnel from a four-stream or duplex proxy: the PTH1 body of a request
 * (a streaming body, or segments one after the other), read without blocking and only while the
 * mux side has granted credit: never more bytes at once than the credit left, so that the DATA they
 * hold cannot go past it. A read finding no credit stops; the credit's arrival starts it again.
 */
final class FrameSource implements ReadListener, QueuedWriter, IncrementalReader.Sink {
    private static final int READ_BYTES = 16 * 1024;

    /** What the source tells the side that owns it. */
    interface Owner {
        /** DATA from the proxy, in parts; the buffer is valid only during the call. */
        void received(ByteBuffer part);

        void receivedEnd();

        void receivedAbort(String reason);

        /** The proxy grants credit for the other direction (flow control). */
        void receivedCredit(int increment);

        void sourceFailed(String why);

        /** A segment's body was read to its end and answered: the next may come. */
        void segmentDone();
    }

    private record Offer(Exchange exchange, boolean last) {
    }

    private final Owner owner;
    private final IncrementalReader reader = new IncrementalReader();
    private final AtomicInteger signals = new AtomicInteger();
    private final AtomicReference<Offer> offered = new AtomicReference<>();
    private final AtomicLong credit = new AtomicLong(Frames.INITIAL_WINDOW);
    private volatile String stopReason;
    private volatile boolean done;
    private volatile boolean everAttached;
    private volatile long lastReadNanos = System.nanoTime();
    // touched only by the pump
    private Exchange source;
    private boolean last;
    private ServletInputStream in;
    private byte[] buffer;

    FrameSource(final Owner owner) {
        this.owner = owner;
    }

    /** The request whose body (or one segment of it, {@code last} false) carries this direction now. */
    void attach(final Exchange body, final boolean lastBody) {
        everAttached = true;
        offered.set(new Offer(body, lastBody));
        WriteBatch.wake(this);
    }

    boolean everAttached() {
        return everAttached;
    }

    boolean isDone() {
        return done;
    }

    long lastReadNanos() {
        return lastReadNanos;
    }

    /** With flow control: the body carries the proxy's CREDIT frames too. */
    void flowControl() {
        reader.allowCredit();
    }

    /** The mux side may take this many more DATA bytes. */
    void allow(final int bytes) {
        credit.addAndGet(bytes);
        WriteBatch.wake(this);
    }

    /** The tunnel is over: the request still streaming gets its answer (and loses its connection). */
    void stop(final String reason) {
        stopReason = reason;
        WriteBatch.wake(this);
    }

    @Override
    public void onDataAvailable() {
        flush();
    }

    @Override
    public void onAllDataRead() {
        flush();
    }

    @Override
    public void onError(final Throwable t) {
        owner.sourceFailed("request body failed: " + describe(t));
    }

    @Override
    public void flush() {
        if (signals.getAndIncrement() != 0) {
            return;
        }
        // the frames one read gives leave together
        final WriteBatch batch = WriteBatch.begin();
        try {
            int missed = 1;
            do {
                try {
                    pump();
                } catch (final FramingException e) {
                    finish(true, e.getMessage());
                    owner.sourceFailed(e.getMessage());
                } catch (final IOException | RuntimeException e) {
                    finish(true, describe(e));
                    owner.sourceFailed("request body failed: " + describe(e));
                }
                missed = signals.addAndGet(-missed);
            } while (missed != 0);
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void pump() throws IOException {
        if (done) {
            releaseLate();
            return;
        }
        if (stopReason != null) {
            finish(true, stopReason);
            return;
        }
        if (in == null) {
            final Offer next = offered.getAndSet(null);
            if (next == null) {
                return;
            }
            source = next.exchange();
            last = next.last();
            in = source.input();
            in.setReadListener(this);
        }
        while (true) {
            if (in.isFinished()) {
                if (!bodyEnded()) {
                    return;
                }
                continue;
            }
            final int room = reader.ended() ? READ_BYTES : (int) Math.min(READ_BYTES, credit.get());
            if (room <= 0) {
                return; // no credit: allow() starts the pump again
            }
            if (!in.isReady()) {
                return;
            }
            if (buffer == null) {
                buffer = new byte[READ_BYTES];
            }
            final int n = in.read(buffer, 0, room);
            if (n <= 0) {
                continue; // -1: isFinished() says so next; 0: a chunk header without data, ask isReady() again
            }
            lastReadNanos = System.nanoTime();
            reader.feed(ByteBuffer.wrap(buffer, 0, n), this);
            if (reader.aborted()) {
                finish(false, null);
                return;
            }
        }
    }

    /** The current body ended; true when the next body (a segment) was adopted and reading goes on. */
    private boolean bodyEnded() throws IOException {
        buffer = null;
        if (!last) {
            final Exchange segment = source;
            source = null;
            in = null;
            owner.segmentDone();
            segment.releaseRole(false, null);
            final Offer next = offered.getAndSet(null);
            if (next == null) {
                return false;
            }
            source = next.exchange();
            last = next.last();
            in = source.input();
            in.setReadListener(this);
            return true;
        }
        if (reader.ended()) {
            finish(false, null);
        } else {
            finish(true, "stream cut");
            owner.sourceFailed("stream cut: the body ended without END or ABORT");
        }
        return false;
    }

    private void finish(final boolean abort, final String reason) {
        if (done) {
            return;
        }
        done = true;
        buffer = null;
        if (source != null) {
            source.releaseRole(abort, reason);
            source = null;
        }
        releaseLate();
    }

    /** A body attached after this direction was over is let go at once. */
    private void releaseLate() {
        final Offer late = offered.getAndSet(null);
        if (late != null) {
            late.exchange().releaseRole(true, stopReason == null ? "tunnel closed" : stopReason);
        }
    }

    // ---- frames read

    @Override
    public void data(final ByteBuffer part) {
        credit.addAndGet(-part.remaining());
        owner.received(part);
    }

    @Override
    public void end() {
        owner.receivedEnd();
    }

    @Override
    public void heartbeat() {
        // the proxy is alive: lastReadNanos says so already
    }

    @Override
    public void abort(final String reason) {
        owner.receivedAbort(reason);
    }

    @Override
    public void credit(final int increment) {
        owner.receivedCredit(increment);
    }

    static String describe(final Throwable t) {
        if (t == null) {
            return "connection lost";
        }
        final String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
