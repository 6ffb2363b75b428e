package org.ptth.relay.join;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.ptth.protocol.Reasons;
import org.ptth.protocol.pth1.FrameFormat;
import org.ptth.protocol.pth1.FrameType;
import org.ptth.relay.mux.QueuedWriter;
import org.ptth.relay.mux.WriteBatch;
import org.ptth.relay.pump.Exchange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One direction of a joined tunnel towards a four-stream or duplex proxy: the PTH1 body of a
 * streamed response (an accept's or a connect's), written without blocking from the frames the
 * tunnel queues. What it queues is bounded by the credit the relay granted in that proxy's name;
 * it grants more as the container takes the bytes. It writes HEARTBEAT when the direction is quiet,
 * and ends the body after END, or after an ABORT frame that tells the proxy why.
 */
final class FrameSink implements WriteListener, QueuedWriter {
    /** Most bytes written at once: a few frames of a mux tunnel's size. */
    private static final int WRITE_BYTES = 128 * 1024;

    /** What the sink tells the side that owns it. */
    interface Owner {
        /** DATA payload bytes the container took: the proxy's credit for them, in its name. */
        void written(int dataBytes);

        void sinkFailed(String why);
    }

    private final Owner owner;
    private final AtomicInteger signals = new AtomicInteger();
    /** PTH1 flow control agreed: END does not end the body, the proxy grants its own credit. */
    private volatile boolean flowControl;
    /** The proxy granted "without limit" (a CREDIT of 2^31 - 1): the relay grants in its name again, as it writes. */
    private volatile boolean grantAsWritten;
    // guarded by this
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private boolean closing;
    private boolean abort;
    private String abortReason;
    private long lastQueuedNanos = System.nanoTime();
    private volatile Exchange exchange;
    private volatile boolean done;
    // touched only by the pump
    private ServletOutputStream out;
    private boolean preambleSent;
    private boolean committed;
    private boolean unflushed;
    private boolean closingSent;
    private byte[] buffer;

    FrameSink(final Owner owner) {
        this.owner = owner;
    }

    /** The response that carries this direction, its head set; frames queued so far follow the preamble. */
    void attach(final Exchange response) {
        exchange = response;
        WriteBatch.wake(this);
    }

    /** With flow control, END leaves the body open (CREDIT and HEARTBEAT go on) until {@link #finish()}. */
    void flowControl() {
        synchronized (this) {
            flowControl = true;
            if (closing && !abort) {
                closing = false; // an END queued before flow control was agreed does not end the body
            }
        }
    }

    /** The proxy lets the relay send without limit from now on: grant the mux sender as the bytes leave. */
    void grantAsWritten() {
        grantAsWritten = true;
    }

    boolean attached() {
        return exchange != null;
    }

    boolean isDone() {
        return done;
    }

    void data(final ByteBuffer bytes) {
        final ByteBuffer frame = ByteBuffer.allocate(FrameFormat.HEADER_BYTES + bytes.remaining());
        FrameFormat.header(frame, FrameType.DATA, bytes.remaining());
        frame.put(bytes).flip();
        queue(frame, false, null);
    }

    void end() {
        final ByteBuffer frame = ByteBuffer.allocate(FrameFormat.HEADER_BYTES);
        FrameFormat.header(frame, FrameType.END, 0);
        queue(frame.flip(), !flowControl, null);
    }

    /** A CREDIT frame (flow control): the proxy may send that many more bytes. */
    void credit(final int increment) {
        final ByteBuffer frame = ByteBuffer.allocate(FrameFormat.HEADER_BYTES + FrameFormat.CREDIT_BYTES);
        FrameFormat.header(frame, FrameType.CREDIT, FrameFormat.CREDIT_BYTES);
        queue(frame.putInt(increment).flip(), false, null);
    }

    /** The tunnel is over, cleanly: the body ends once what is queued has left (a body that END did not end). */
    void finish() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        WriteBatch.wake(this);
    }

    /** Tells the proxy the tunnel is dead, why, and ends the body. */
    void abort(final String reason) {
        final byte[] text = Reasons.truncate(reason == null ? "" : reason, 1024);
        final ByteBuffer frame = ByteBuffer.allocate(FrameFormat.HEADER_BYTES + text.length);
        FrameFormat.header(frame, FrameType.ABORT, text.length);
        queue(frame.put(text).flip(), true, reason);
    }

    /** A HEARTBEAT when nothing was queued for {@code quietNanos}: the proxy's peer check and every hop's read timeout. */
    void heartbeatIfQuiet(final long now, final long quietNanos) {
        synchronized (this) {
            if (exchange == null || closing || now - lastQueuedNanos < quietNanos) {
                return;
            }
        }
        final ByteBuffer frame = ByteBuffer.allocate(FrameFormat.HEADER_BYTES);
        FrameFormat.header(frame, FrameType.HEARTBEAT, 0);
        queue(frame.flip(), false, null);
    }

    /** The DATA queued before the sink was attached, taken back (a withdrawn offer); null when attached. */
    synchronized ByteBuffer takeBack() {
        if (exchange != null) {
            return null;
        }
        int bytes = 0;
        for (final ByteBuffer frame : queue) {
            if (frame.get(0) == FrameType.DATA.code()) {
                bytes += frame.remaining() - FrameFormat.HEADER_BYTES;
            }
        }
        final ByteBuffer data = ByteBuffer.allocate(bytes);
        for (final ByteBuffer frame : queue) {
            if (frame.get(0) == FrameType.DATA.code()) {
                data.put(frame.slice(FrameFormat.HEADER_BYTES, frame.remaining() - FrameFormat.HEADER_BYTES));
            }
        }
        queue.clear();
        return data.flip();
    }

    private void queue(final ByteBuffer frame, final boolean last, final String reason) {
        synchronized (this) {
            if (closing) {
                return;
            }
            queue.addLast(frame);
            lastQueuedNanos = System.nanoTime();
            if (last) {
                closing = true;
                abort = reason != null;
                abortReason = reason;
            }
        }
        WriteBatch.wake(this);
    }

    @Override
    public void onWritePossible() {
        flush();
    }

    @Override
    public void onError(final Throwable t) {
        owner.sinkFailed("response failed: " + FrameSource.describe(t));
    }

    @Override
    public void flush() {
        if (signals.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            try {
                pump();
            } catch (final IOException | RuntimeException e) {
                done = true;
                owner.sinkFailed("response failed: " + FrameSource.describe(e));
            }
            missed = signals.addAndGet(-missed);
        } while (missed != 0);
    }

    private void pump() throws IOException {
        final Exchange sink = exchange;
        if (done || sink == null) {
            return;
        }
        if (out == null) {
            out = sink.output();
            out.setWriteListener(this);
        }
        while (true) {
            if (!out.isReady()) {
                return;
            }
            if (!committed) {
                out.flush(); // the head goes now: the proxy waits for it
                committed = true;
                continue;
            }
            if (closingSent) {
                if (unflushed) {
                    out.flush();
                    unflushed = false;
                    continue;
                }
                complete();
                return;
            }
            if (buffer == null) {
                buffer = new byte[WRITE_BYTES];
            }
            int length = 0;
            int dataBytes = 0;
            if (!preambleSent) {
                FrameFormat.preamble(ByteBuffer.wrap(buffer, 0, FrameFormat.PREAMBLE_BYTES));
                length = FrameFormat.PREAMBLE_BYTES;
                preambleSent = true;
            }
            synchronized (this) {
                while (!queue.isEmpty() && length + queue.peekFirst().remaining() <= buffer.length) {
                    final ByteBuffer frame = queue.pollFirst();
                    final byte type = frame.get(0);
                    if (type == FrameType.DATA.code()) {
                        dataBytes += frame.remaining() - FrameFormat.HEADER_BYTES;
                    }
                    final int n = frame.remaining();
                    frame.get(buffer, length, n);
                    length += n;
                }
                // the last frame (END without flow control, ABORT) or a finish(): nothing follows
                closingSent = closing && queue.isEmpty();
            }
            if (length == 0) {
                if (closingSent) {
                    continue;
                }
                if (unflushed) {
                    out.flush();
                    unflushed = false;
                    continue;
                }
                buffer = null; // an idle tunnel holds no buffer
                return;
            }
            out.write(buffer, 0, length);
            unflushed = true;
            if (dataBytes > 0 && (!flowControl || grantAsWritten)) {
                owner.written(dataBytes);
            }
        }
    }

    /** END or ABORT (or the tunnel's end) has left, flushed: the response is over. */
    private void complete() {
        done = true;
        buffer = null;
        final boolean aborted;
        final String reason;
        synchronized (this) {
            aborted = abort;
            reason = abortReason;
        }
        exchange.releaseRole(aborted, reason);
    }

    /** The direction ends without a word (its tunnel was cut while nothing could be written): let the response go. */
    void cut(final String reason) {
        synchronized (this) {
            closing = true;
        }
        final Exchange sink = exchange;
        if (!done && sink != null) {
            done = true;
            sink.releaseRole(true, reason);
        }
    }
}
