package org.ptth.relay.pump;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One direction of a tunnel: the body of one request (the source) spliced into the body of another
 * call's response (the sink), through one bounded buffer, without holding a thread.
 *
 * <p>Every event (data available, write possible, an end attached, abort) only signals; whichever
 * thread signals first runs the pump until no signal is left, so the pump never runs twice at once
 * and needs no lock (which could deadlock against the container's own per-socket locks). The pump
 * gathers what the source has into its one buffer and writes it when the sink is ready; it never
 * reads more than that one buffer ahead of the sink: a slow reader stops the relay from reading the
 * writer, and TCP backpressure does the rest. The buffer starts small (interactive tunnels need no more), doubles
 * each time bulk data fills it, and is given back when the tunnel goes quiet. Every exit of the
 * loop leaves a callback pending: either the sink's isReady() or the source's isReady() said false.
 *
 * <p>Each end keeps an explicit state ({@link Writer}, {@link Reader}), changed only by the pump's
 * thread through the named transitions below; {@link Wait} records, for log lines, where the pump
 * last stopped.
 */
public final class Splice implements ReadListener, WriteListener {
    static final int INITIAL_BUFFER = 8 * 1024;
    static final int MAX_BUFFER = 1024 * 1024;

    /** Where the sink (the response that carries this direction) stands. */
    private enum Writer {
        /** No response attached yet. */
        DETACHED,
        /** Attached, its head not sent yet: the first thing the pump does with it. */
        HEAD_UNSENT,
        /** Everything written so far has been flushed (or nothing was written yet). */
        FLUSHED,
        /** Bytes written since the last flush may still sit in the response buffer. */
        UNFLUSHED,
        /** The direction is over: both ends let go, late arrivals released at once. */
        DONE
    }

    /** Where the source (the request body, or the current segment's) stands. */
    private enum Reader {
        /** No body attached: none yet, or the last segment is done and the next not yet here. */
        DETACHED,
        /** Attached and read from as it has data. */
        READING,
        /** Its end was seen; what it gave still has to be written and flushed before the end counts. */
        ENDED
    }

    /** What the pump waited for when it last returned: for the log line of a tunnel that went idle. */
    private enum Wait {
        ENDS("its ends"),
        RESPONSE("its response"),
        RESPONSE_HEAD("the receiver (response head)"),
        RECEIVER("the receiver"),
        END_FLUSH("the receiver (flushing the end)"),
        REQUEST("its request"),
        SENDER("the sender");

        private final String what;

        Wait(final String what) {
            this.what = what;
        }
    }

    /** What a splice tells its tunnel. */
    public interface Events {
        /** The source body ended cleanly and everything was written to the sink. */
        void spliceEnded(Splice splice);

        /** The splice broke; the whole tunnel is to be aborted. */
        void spliceFailed(Splice splice, String why);

        /** Bytes moved: the tunnel is not idle. */
        void spliceMoved(Splice splice);

        /** A segment's body has been written on; the next segment may come (segmented uploads). */
        void segmentDone(Splice splice);
    }

    /** A source body offered to the splice; {@code last} is false for a segment that more will follow. */
    private record SourceOffer(Exchange exchange, boolean last) {
    }

    private final String name;
    private final Events events;
    private final BufferBudget budget;
    private final AtomicInteger signals = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    private final AtomicReference<SourceOffer> offeredSource = new AtomicReference<>();
    private final AtomicReference<Exchange> offeredSink = new AtomicReference<>();
    private volatile String abortReason;

    // Changed only by the thread running the pump (trimRequested aside: the reaper asks for a trim);
    // the volatile fields are read by other threads too.
    private volatile Writer writer = Writer.DETACHED;
    private Reader reader = Reader.DETACHED;
    private SourceOffer source;
    private Exchange sink;
    private ServletInputStream in;
    private ServletOutputStream out;
    private byte[] buffer = new byte[INITIAL_BUFFER];
    /** Bytes gathered from the source and not yet written to the sink. */
    private int pending;
    private volatile boolean grown;
    private volatile boolean trimRequested;
    private volatile Wait waitingFor = Wait.ENDS;
    /** The bytes held when the pump last waited for the receiver: kept apart so that waiting builds no string. */
    private volatile int heldAtWait;

    public Splice(final String name, final Events events) {
        this(name, events, BufferBudget.unlimited());
    }

    /** @param budget what growing the buffer beyond its first size takes from, shared by all tunnels */
    public Splice(final String name, final Events events, final BufferBudget budget) {
        this.name = name;
        this.events = events;
        this.budget = budget;
    }

    public String name() {
        return name;
    }

    public long bytes() {
        return bytes.get();
    }

    public boolean isDone() {
        return writer == Writer.DONE;
    }

    /** What this direction waits for, as far as the last run of the pump saw: for log lines. */
    public String state() {
        if (writer == Writer.DONE) {
            return "done";
        }
        final Wait wait = waitingFor;
        return "waiting for " + wait.what + (wait == Wait.RECEIVER ? " (" + heldAtWait + " bytes held)" : "");
    }

    /** The request whose body feeds this direction to its end. Its role must already be counted. */
    public void attachSource(final Exchange exchange) {
        attachSegment(exchange, true);
    }

    /**
     * One of a sequence of request bodies that feed this direction in turn; the caller lets the next
     * one in only after {@link Events#segmentDone}. Its role must already be counted.
     */
    public void attachSegment(final Exchange exchange, final boolean last) {
        offeredSource.set(new SourceOffer(exchange, last));
        signal();
    }

    /** The call whose response body carries this direction. Its role must already be counted. */
    public void attachSink(final Exchange exchange) {
        offeredSink.set(exchange);
        signal();
    }

    /**
     * Gives a grown buffer back when the tunnel has gone quiet, so that a tunnel that once carried
     * bulk data does not keep a megabyte through its idle hours.
     */
    public void trimIfGrown() {
        if (grown) {
            trimRequested = true;
            signal();
        }
    }

    /** Ends this direction without a clean end: the receivers see a cut body. */
    public void abort(final String reason) {
        if (abortReason == null) {
            abortReason = reason;
        }
        signal();
    }

    @Override
    public void onDataAvailable() {
        signal();
    }

    @Override
    public void onAllDataRead() {
        signal();
    }

    @Override
    public void onWritePossible() {
        signal();
    }

    @Override
    public void onError(final Throwable t) {
        abortAll(name + " stream failed: " + describe(t));
    }

    private void abortAll(final String why) {
        abort(why);
        events.spliceFailed(this, why);
    }

    /**
     * What broke, for the tunnel's closing line: the message, or the exception's kind when it has
     * none (Tomcat reports a connection closed under a read as an EOFException without a message).
     */
    static String describe(final Throwable t) {
        if (t == null) {
            return "connection lost";
        }
        final String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }

    private void signal() {
        if (signals.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            try {
                pump();
            } catch (final IOException | RuntimeException e) {
                abortAll(name + " stream failed: " + describe(e));
            }
            missed = signals.addAndGet(-missed);
        } while (missed != 0);
    }

    private void pump() throws IOException {
        if (writer == Writer.DONE) {
            releaseLateArrivals();
            return;
        }
        if (abortReason != null) {
            finish(true);
            return;
        }
        adoptArrivals();
        if (writer == Writer.DETACHED) {
            waitingFor = Wait.RESPONSE;
            return;
        }
        while (true) {
            if (writer == Writer.HEAD_UNSENT) {
                if (!out.isReady()) {
                    waitingFor = Wait.RESPONSE_HEAD;
                    return;
                }
                sendHead();
                continue;
            }
            // Gather what the source has, up to a full buffer, before writing: fewer, larger cycles.
            if (reader == Reader.READING && pending < buffer.length) {
                if (in.isFinished()) {
                    sourceEnded();
                    continue;
                }
                if (in.isReady()) {
                    final int n = in.read(buffer, pending, buffer.length - pending);
                    if (n < 0) {
                        sourceEnded();
                    } else if (n > 0) {
                        pending += n;
                        events.spliceMoved(this);
                    }
                    // n == 0: a chunk header came without data; isReady() again registers for more.
                    continue;
                }
            }
            if (pending > 0) {
                if (!out.isReady()) {
                    heldAtWait = pending;
                    waitingFor = Wait.RECEIVER;
                    return;
                }
                writePending();
                continue;
            }
            if (reader == Reader.ENDED) {
                if (!out.isReady()) {
                    waitingFor = Wait.END_FLUSH;
                    return;
                }
                if (writer == Writer.UNFLUSHED) {
                    // The source's bytes must all have gone before its end is acted on: the sink
                    // outlives a segment, and may outlive the direction too (a duplex exchange's
                    // response carries one direction while its request carries the other), so
                    // nothing else would flush it. Flush, and go on only once isReady() says the
                    // flush has gone; else onWritePossible comes back here.
                    flush();
                    continue;
                }
                if (!source.last()) {
                    endSegment();
                    continue;
                }
                finish(false);
                return;
            }
            // The source is dry (or not attached yet): push out what waits, wait for the next callback.
            if (trimRequested) {
                trimRequested = false;
                budget.giveBack(buffer.length - INITIAL_BUFFER);
                buffer = new byte[INITIAL_BUFFER];
                grown = false;
            }
            flushIfReady();
            waitingFor = reader == Reader.DETACHED ? Wait.REQUEST : Wait.SENDER;
            return;
        }
    }

    // The writer's transitions.

    /** HEAD_UNSENT to FLUSHED: commits the response, so that the receiver has its head at once. */
    private void sendHead() throws IOException {
        out.flush();
        writer = Writer.FLUSHED;
    }

    /** FLUSHED or UNFLUSHED to UNFLUSHED: hands what was gathered to the sink, and empties the buffer. */
    private void writePending() throws IOException {
        out.write(buffer, 0, pending);
        bytes.addAndGet(pending);
        final boolean filled = pending == buffer.length;
        pending = 0;
        writer = Writer.UNFLUSHED;
        if (filled && buffer.length < MAX_BUFFER && budget.tryTake(buffer.length)) {
            // Bulk data: grow, so that each cycle moves more (unless all tunnels' buffers
            // together are at their limit: then this one stays as it is).
            buffer = new byte[buffer.length * 2];
            grown = true;
        }
    }

    /** UNFLUSHED to FLUSHED. */
    private void flush() throws IOException {
        out.flush();
        writer = Writer.FLUSHED;
    }

    /**
     * Small writes wait in the response buffer: push them out when the source runs dry. A
     * non-blocking flush that cannot hand everything to the socket keeps the rest and registers
     * for nothing: only isReady() does, so ask it once more, and onWritePossible drains the rest.
     */
    private void flushIfReady() throws IOException {
        if (writer == Writer.UNFLUSHED && out.isReady()) {
            flush();
            out.isReady();
        }
    }

    // The reader's transitions.

    /** READING to ENDED. */
    private void sourceEnded() {
        reader = Reader.ENDED;
    }

    /** ENDED to DETACHED: a segment's bytes are all written on; let its request go (204), wait for the next. */
    private void endSegment() {
        final Exchange segment = source.exchange();
        source = null;
        in = null;
        reader = Reader.DETACHED;
        events.segmentDone(this);
        segment.releaseRole(false, null);
    }

    /** The writer's DETACHED to HEAD_UNSENT and the reader's DETACHED to READING, for the ends offered. */
    private void adoptArrivals() throws IOException {
        if (writer == Writer.DETACHED) {
            final Exchange offered = offeredSink.getAndSet(null);
            if (offered != null) {
                sink = offered;
                out = sink.output();
                out.setWriteListener(this);
                writer = Writer.HEAD_UNSENT;
            }
        }
        if (reader == Reader.DETACHED) {
            final SourceOffer offered = offeredSource.getAndSet(null);
            if (offered != null) {
                source = offered;
                in = offered.exchange().input();
                in.setReadListener(this);
                reader = Reader.READING;
            }
        }
    }

    /** Any state to DONE: gives the grown buffer back and lets both ends go, cleanly or cut. */
    private void finish(final boolean abort) {
        writer = Writer.DONE;
        budget.giveBack(buffer.length - INITIAL_BUFFER);
        buffer = null;
        final String reason = abortReason;
        if (sink != null) {
            sink.releaseRole(abort, reason);
        }
        if (source != null) {
            source.exchange().releaseRole(abort, reason);
        }
        releaseLateArrivals();
        if (!abort) {
            events.spliceEnded(this);
        }
    }

    /** An end attached after this direction was over is let go at once. */
    private void releaseLateArrivals() {
        final String reason = abortReason == null ? "tunnel closed" : abortReason;
        final Exchange lateSink = offeredSink.getAndSet(null);
        if (lateSink != null) {
            lateSink.releaseRole(true, reason);
        }
        final SourceOffer lateSource = offeredSource.getAndSet(null);
        if (lateSource != null) {
            lateSource.exchange().releaseRole(true, reason);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
