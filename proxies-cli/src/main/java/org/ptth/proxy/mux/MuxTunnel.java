package org.ptth.proxy.mux;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

import org.ptth.protocol.Refusal;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.Payloads;
import org.ptth.proxy.tunnel.LiveTunnel;
import org.ptth.proxy.tunnel.TunnelOutcome;

/**
 * One tunnel carried by a {@link MuxLink}: its local TCP socket (non-blocking, on the
 * {@link ChannelLoop}) and the state of its two directions.
 *
 * <p>Outgoing: the loop reads the socket only while the tunnel has credit and the link is not
 * backed up, one read per round, into the loop's shared buffer and from there into the link's
 * batch as DATA; end of stream becomes END. Incoming: DATA is written to the socket by the thread
 * that parsed it when nothing is queued and the socket takes it; what it does not take is queued
 * (never more than was granted) and written by the loop when the socket is writable. Credit is
 * granted as the socket takes bytes ({@link ReceiveWindow}); END becomes shutdownOutput() once
 * the queue is empty. The tunnel ends once: cleanly when both directions have ended, or by an
 * abort, which resets the TCP connection (SO_LINGER 0).
 *
 * <p>State is guarded by the tunnel's monitor; socket reads happen only on the loop thread.
 */
final class MuxTunnel implements LiveTunnel, ChannelLoop.Handler {

    /** Which proxy: decides which direction is "up" in the log line, and how the tunnel opens. */
    enum Side { CLIENT, SERVER }

    private enum Phase { OPENING, OPEN, OVER }

    private static final Logger LOG = Logger.getLogger(MuxTunnel.class.getName());

    private final MuxLink link;
    private final ChannelLoop loop;
    private final int number;
    private final SocketChannel channel;
    private final Side side;
    private final String label;
    /** Who and where, for a refusal's warning: {@code from /127.0.0.1:5000 to office/ssh}. */
    private final String subject;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<TunnelOutcome> outcome = new CompletableFuture<>();
    private final ReceiveWindow window;
    private SelectionKey key;
    private Phase phase = Phase.OPENING;
    private long sendCredit = Frames.INITIAL_WINDOW;
    /** End of stream read from the socket and END sent. */
    private boolean readEnded;
    /** Reading stopped until the link's batch drains. */
    private boolean parked;
    /** Incoming bytes the socket has not taken yet; null while empty, so an idle tunnel holds no buffer. */
    private ArrayDeque<ByteBuffer> queue;
    private boolean endReceived;
    private boolean outputShut;
    private long fromSocket;
    private long toSocket;
    /** Server: the deadline of a target connect that goes on in the background; cancelled once it is decided. */
    private ChannelLoop.Deadline connectDeadline;
    private String refusedTarget;

    /**
     * @param label   who and which port, for the opened and closed lines, in the form the other
     *                transports use: {@code office/ssh from /127.0.0.1:5000} on the client,
     *                {@code office/ssh to 127.0.0.1:22 for laptop from ...} on the server
     * @param subject who and where, for a warning about a refusal
     */
    MuxTunnel(final MuxLink link, final int number, final SocketChannel channel, final Side side, final String label,
              final String subject) {
        this.subject = subject;
        this.link = link;
        this.loop = link.loop();
        this.number = number;
        this.channel = channel;
        this.side = side;
        this.label = label;
        this.window = new ReceiveWindow(startNanos);
    }

    int number() {
        return number;
    }

    String id() {
        return link.tunnelId(number);
    }

    @Override
    public CompletableFuture<TunnelOutcome> outcome() {
        return outcome;
    }

    // --- setting up ---

    /** A client's first bytes went with its OPEN: they count against the initial credit. */
    synchronized void sentWithOpen(final int bytes) {
        sendCredit -= bytes;
        fromSocket += bytes;
    }

    /** A server's OPEN brought first bytes: they wait for the target connection. */
    synchronized boolean receivedWithOpen(final ByteBuffer firstBytes) {
        final int bytes = firstBytes.remaining();
        if (bytes == 0) {
            return true;
        }
        if (!window.received(bytes)) {
            return false;
        }
        enqueue(firstBytes);
        return true;
    }

    /** Server: a connect still under way is given {@code millis} more; on the loop thread. */
    synchronized void connectWithin(final long millis) {
        if (phase == Phase.OPENING) {
            connectDeadline = loop.after(millis, () -> connectTimedOut(millis));
        }
    }

    /** Registers the socket with the loop; on the loop thread. */
    void register(final boolean connecting) {
        synchronized (this) {
            if (phase == Phase.OVER) {
                return;
            }
            try {
                key = loop.register(channel, connecting ? SelectionKey.OP_CONNECT : ops(), this);
            } catch (final IOException | RuntimeException closed) {
                // reported below, outside the lock
            }
        }
        if (key == null) {
            if (side == Side.SERVER && !channel.isConnected()) {
                refuseTarget("the connection failed at once");
            } else {
                fail("TCP connection failed: cannot watch the socket");
            }
        }
    }

    // --- the loop's events ---

    @Override
    public void ready(final SelectionKey ready) {
        final int ops = ready.readyOps();
        if ((ops & SelectionKey.OP_CONNECT) != 0) {
            connectable();
            return;
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            writable();
        }
        if ((ops & SelectionKey.OP_READ) != 0 && ready.isValid()) {
            readable();
        }
    }

    /** Server: the target connect finished, one way or the other; also the immediate case. */
    void connectable() {
        try {
            if (!channel.finishConnect()) {
                return;
            }
        } catch (final IOException | RuntimeException failed) {
            refuseTarget(failed.getMessage());
            return;
        }
        connected();
    }

    /** Server: the connect's deadline passed; on the loop thread. */
    private void connectTimedOut(final long millis) {
        synchronized (this) {
            if (phase != Phase.OPENING) {
                return;
            }
        }
        refuseTarget("connect timed out after " + millis + " ms");
    }

    /**
     * Server: the target is connected: OPENED goes out, the first bytes are written, reading starts.
     * On the loop, or on the thread that asked when the connect finished at once (the loop registers
     * the socket next); the OPENED leaves with the frames that thread flushes.
     */
    void connected() {
        int grant;
        synchronized (this) {
            if (phase != Phase.OPENING) {
                return;
            }
            phase = Phase.OPEN;
            if (connectDeadline != null) {
                loop.cancel(connectDeadline);
            }
            link.batch().opened(number);
            grant = writeQueued();
            if (phase == Phase.OVER) {
                return;
            }
            updateInterest();
        }
        org.ptth.proxy.metrics.ProxyMetrics.instance().opened(startNanos);
        LOG.info(() -> "tunnel " + id() + " opened " + label);
        if (grant > 0) {
            link.batch().credit(number, grant);
        }
    }

    /** Server: the target cannot be reached; REFUSE goes back with the reason. */
    void refuseTarget(final String problem) {
        synchronized (this) {
            if (phase != Phase.OPENING) {
                return;
            }
            phase = Phase.OVER;
            queue = null;
        }
        final String reason = "cannot connect to " + refusedTarget + ": " + problem;
        LOG.warning(() -> "connection " + id() + " " + subject + " refused: " + reason);
        link.batch().refuse(number, Refusal.TARGET_REFUSED.status(), reason);
        flushUnlessLoop();
        closeChannel(false);
        link.remove(this);
        outcome.complete(new TunnelOutcome(true, "never opened", 0, 0, elapsedMillis()));
    }

    /** Server: the port name the target is exposed as, for the refusal reason. */
    void exposedAs(final String port) {
        this.refusedTarget = port;
    }

    private void readable() {
        final int limit;
        synchronized (this) {
            if (phase == Phase.OVER || readEnded || parked) {
                return;
            }
            if (sendCredit <= 0) {
                updateInterest();
                return;
            }
            limit = (int) Math.min(sendCredit, Frames.MAX_PAYLOAD);
        }
        if (link.batch().backedUp()) {
            synchronized (this) {
                parked = true;
                updateInterest();
            }
            link.park(this);
            return;
        }
        final ByteBuffer buffer = loop.readBuffer().limit(limit);
        final int count;
        try {
            count = channel.read(buffer);
        } catch (final IOException | RuntimeException failed) {
            fail("TCP connection failed: " + failed.getMessage());
            return;
        }
        if (count == 0) {
            return;
        }
        if (count < 0) {
            synchronized (this) {
                if (phase == Phase.OVER) {
                    return;
                }
                readEnded = true;
                link.batch().end(number);
                updateInterest();
            }
            finishIfDone();
            return;
        }
        buffer.flip();
        synchronized (this) {
            if (phase == Phase.OVER) {
                return;
            }
            link.batch().data(number, buffer);
            fromSocket += count;
            sendCredit -= count;
            if (sendCredit <= 0) {
                updateInterest();
            }
        }
    }

    private void writable() {
        final int grant;
        synchronized (this) {
            if (phase == Phase.OVER) {
                return;
            }
            grant = writeQueued();
            if (phase == Phase.OVER) {
                return;
            }
            updateInterest();
        }
        if (grant > 0) {
            link.batch().credit(number, grant);
        }
        finishIfDone();
    }

    void unpark() {
        synchronized (this) {
            parked = false;
            updateInterest();
        }
    }

    // --- frames from the link, on the thread that parsed them ---

    /** Client: the server proxy connected its target. */
    void opened() {
        synchronized (this) {
            if (phase != Phase.OPENING || side != Side.CLIENT) {
                return;
            }
            phase = Phase.OPEN;
        }
        org.ptth.proxy.metrics.ProxyMetrics.instance().opened(startNanos);
        LOG.info(() -> "tunnel " + id() + " opened " + label);
    }

    /** Client: the tunnel could not be opened; the TCP client is reset. */
    void refused(final Payloads.Refusal refusal) {
        synchronized (this) {
            if (phase != Phase.OPENING) {
                return;
            }
            phase = Phase.OVER;
            queue = null;
        }
        LOG.warning(() -> "connection " + subject + " refused: " + refusal.status() + " " + refusal.reason());
        closeChannel(true);
        link.remove(this);
        outcome.complete(new TunnelOutcome(true, "never opened", 0, 0, elapsedMillis()));
    }

    void data(final ByteBuffer payload) {
        final int bytes = payload.remaining();
        int grant = 0;
        String broken = null;
        synchronized (this) {
            if (phase == Phase.OVER) {
                return;
            }
            if (endReceived) {
                broken = "DATA after END";
            } else if (!window.received(bytes)) {
                broken = "DATA past the credit granted";
            } else if (queue == null && socketWritable()) {
                final int written;
                try {
                    written = channel.write(payload);
                } catch (final IOException | RuntimeException failed) {
                    broken = null;
                    failLocked("TCP connection failed: " + failed.getMessage());
                    return;
                }
                toSocket += written;
                grant = window.taken(written, System.nanoTime(), link.rttNanos());
                if (payload.hasRemaining()) {
                    enqueue(payload);
                    updateInterest();
                }
            } else {
                enqueue(payload);
                updateInterest();
            }
        }
        if (broken != null) {
            abort("the relay broke the protocol: " + broken, true);
            return;
        }
        if (grant > 0) {
            link.batch().credit(number, grant);
        }
    }

    void endReceived() {
        synchronized (this) {
            if (phase == Phase.OVER || endReceived) {
                return;
            }
            endReceived = true;
            shutdownIfEmpty();
        }
        finishIfDone();
    }

    void credit(final int increment) {
        boolean tooMuch = false;
        synchronized (this) {
            if (phase == Phase.OVER) {
                return;
            }
            final boolean wasOut = sendCredit <= 0;
            sendCredit += increment;
            if (sendCredit > Frames.MAX_WINDOW) {
                tooMuch = true;
            } else if (wasOut) {
                updateInterest();
            }
        }
        if (tooMuch) {
            abort("the relay broke the protocol: more than 2^30 bytes of credit", true);
        }
    }

    void aborted(final String reason) {
        abort("peer aborted: " + reason, false);
    }

    /** The link is gone: the TCP connection is reset, nothing is sent. */
    /** END has gone out and come in: the tunnel needs its link no more, only to write what it holds. */
    synchronized boolean endedBothWays() {
        return phase != Phase.OVER && readEnded && endReceived;
    }

    void linkLost(final String reason) {
        abort(reason, false);
    }

    /** Grants what has drained on a tunnel gone quiet; from the heartbeat timer. */
    void grantQuiet(final long nowNanos) {
        final int grant;
        synchronized (this) {
            if (phase != Phase.OPEN) {
                return;
            }
            grant = window.flush(nowNanos);
        }
        if (grant > 0) {
            link.batch().credit(number, grant);
        }
    }

    /** Cuts the tunnel (a shutdown's grace period is over): both TCP ends are reset. */
    @Override
    public void abort(final String reason) {
        abort(reason, true);
    }

    // --- ending ---

    private void fail(final String reason) {
        abort(reason, true);
    }

    /** A local failure found while holding the monitor: the abort runs outside it, soon. */
    private void failLocked(final String reason) {
        loop.execute(() -> abort(reason, true));
    }

    private void abort(final String reason, final boolean tellPeer) {
        final long up;
        final long down;
        synchronized (this) {
            if (phase == Phase.OVER) {
                return;
            }
            phase = Phase.OVER;
            queue = null;
            if (connectDeadline != null) {
                loop.cancel(connectDeadline);
            }
            up = side == Side.CLIENT ? fromSocket : toSocket;
            down = side == Side.CLIENT ? toSocket : fromSocket;
        }
        closeChannel(true);
        if (tellPeer && !link.isOver()) {
            link.batch().abort(number, reason);
            flushUnlessLoop();
        }
        link.remove(this);
        final TunnelOutcome result = new TunnelOutcome(true, reason, up, down, elapsedMillis());
        LOG.info(() -> result.closedLine(id(), label));
        outcome.complete(result);
    }

    private void finishIfDone() {
        final TunnelOutcome result;
        synchronized (this) {
            if (phase == Phase.OVER || !readEnded || !outputShut) {
                return;
            }
            phase = Phase.OVER;
            final long up = side == Side.CLIENT ? fromSocket : toSocket;
            final long down = side == Side.CLIENT ? toSocket : fromSocket;
            result = new TunnelOutcome(false, "both sides closed", up, down, elapsedMillis());
        }
        closeChannel(false);
        link.remove(this);
        LOG.info(() -> result.closedLine(id(), label));
        outcome.complete(result);
    }

    // --- helpers, with the monitor held where noted ---

    private boolean socketWritable() {
        return side == Side.CLIENT || phase == Phase.OPEN;
    }

    /** Writes what is queued; returns the credit to grant. Monitor held. */
    private int writeQueued() {
        if (queue == null || !socketWritable()) {
            shutdownIfEmpty();
            return 0;
        }
        long written = 0;
        try {
            while (!queue.isEmpty()) {
                final ByteBuffer next = queue.peek();
                written += channel.write(next);
                if (next.hasRemaining()) {
                    break;
                }
                queue.poll();
            }
        } catch (final IOException | RuntimeException failed) {
            failLocked("TCP connection failed: " + failed.getMessage());
            return 0;
        }
        toSocket += written;
        if (queue.isEmpty()) {
            queue = null;
            shutdownIfEmpty();
        }
        return written == 0 ? 0 : window.taken((int) written, System.nanoTime(), link.rttNanos());
    }

    /** After END arrived and everything before it was written: half-close. Monitor held. */
    private void shutdownIfEmpty() {
        if (!endReceived || outputShut || queue != null || !socketWritable()) {
            return;
        }
        try {
            channel.shutdownOutput();
            outputShut = true;
        } catch (final IOException | RuntimeException failed) {
            failLocked("TCP connection failed: " + failed.getMessage());
        }
    }

    private void enqueue(final ByteBuffer bytes) {
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        final ByteBuffer copy = ByteBuffer.allocate(bytes.remaining());
        copy.put(bytes).flip();
        queue.add(copy);
    }

    /** What the socket waits for now. Monitor held. */
    private int ops() {
        if (phase == Phase.OVER) {
            return 0;
        }
        int ops = 0;
        if (!readEnded && sendCredit > 0 && !parked) {
            ops |= SelectionKey.OP_READ;
        }
        if (queue != null && socketWritable()) {
            ops |= SelectionKey.OP_WRITE;
        }
        return ops;
    }

    private void updateInterest() {
        if (key != null && phase != Phase.OVER) {
            loop.interest(key, ops());
        }
    }

    private void flushUnlessLoop() {
        if (!loop.inLoop()) {
            link.batch().flush();
        }
    }

    /** Closes the socket; a reset when {@code reset}, else the FINs have been exchanged already. */
    private void closeChannel(final boolean reset) {
        try {
            if (reset) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (final IOException | RuntimeException notConnected) {
            // closing is what matters
        }
        try {
            channel.close();
        } catch (final IOException ignored) {
            // nothing more to do with it
        }
        if (!loop.inLoop()) {
            // a registered channel is really closed (and the RST sent) when the loop drops its key
            loop.execute(() -> { });
        }
    }

    private long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
