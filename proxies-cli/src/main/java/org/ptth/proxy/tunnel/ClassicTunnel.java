package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

import org.ptth.protocol.Names;
import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.relayclient.RelayExchange;

/**
 * One TCP connection carried through the relay by a classic transport (on HTTP exchanges of its
 * own, where a mux tunnel shares a link): its socket, its exchanges (two, or one duplex exchange
 * that carries both directions) and the state of its two directions. It ends once, either cleanly (both directions sent END) or by an abort
 * (either direction failed), and that single place closes the socket and logs the summary.
 */
public final class ClassicTunnel implements LiveTunnel {

    /** Which terminator this tunnel belongs to: decides which of its directions is "up". */
    public enum Side { CLIENT, SERVER }

    /** How the outgoing direction's frames ended (NONE: not yet), so its sender knows what its exchange closed. */
    public enum Ending { NONE, END, ABORT }

    private static final Logger LOG = Logger.getLogger(ClassicTunnel.class.getName());

    /** Null until the relay has named the tunnel (a client's duplex connect starts sending before). */
    private volatile String id;
    private final String label;
    private final Socket socket;
    private final Side side;
    private final long startNanos = System.nanoTime();
    private final AtomicLong fromSocket = new AtomicLong();
    private final AtomicLong toSocket = new AtomicLong();
    private final CompletableFuture<TunnelOutcome> outcome = new CompletableFuture<>();
    private final FlowControl flow = new FlowControl();
    private final OutboundChannel channel = new OutboundChannel();

    private volatile RelayExchange inboundCall;
    private volatile RelayExchange outboundCall;
    /** The local socket's own failure: the root cause, whatever the other direction reports later. */
    private volatile String localFailure;
    private boolean outboundEnded;
    private boolean inboundEnded;
    private boolean over;

    /**
     * @param label who and which port, for both log lines: {@code srv/web from /127.0.0.1:5000} on the
     *              client, {@code srv/web to 127.0.0.1:80} (exposed name and target) on the server
     */
    public ClassicTunnel(final String id, final String label, final Socket socket, final Side side) {
        this.id = id;
        this.label = label;
        this.socket = socket;
        this.side = side;
    }

    public String id() {
        return id;
    }

    /** The connection ID the relay gave in its answer to connect. */
    public void identify(final String relayId) {
        this.id = relayId;
    }

    public Socket socket() {
        return socket;
    }

    /** Flow control of both directions; on until the relay's answer says the peer does not know it. */
    public FlowControl flow() {
        return flow;
    }

    OutboundChannel channel() {
        return channel;
    }

    @Override
    public CompletableFuture<TunnelOutcome> outcome() {
        return outcome;
    }

    /** The exchanges that carry the two directions: the same one twice in duplex mode. */
    void attach(final RelayExchange inbound, final RelayExchange outbound) {
        this.inboundCall = inbound;
        this.outboundCall = outbound;
        LOG.info(() -> "tunnel " + shortId() + " opened " + label);
        if (isOver()) {
            // an early failure of a duplex body may have come before there was anything to cancel
            cancelCalls();
        }
    }

    /**
     * The tunnel never opened (the relay refused or failed it): it ends without a summary line,
     * which the opener logs in its own words, and whatever still runs for it stops quietly.
     */
    public void discard() {
        synchronized (this) {
            over = true;
        }
        outcome.complete(new TunnelOutcome(true, "never opened", 0, 0, 0));
    }

    /** The exchange now carrying the outgoing direction; with segments, a new one per segment. */
    void outboundCall(final RelayExchange call) {
        this.outboundCall = call;
        if (isOver()) {
            call.cancel(); // the abort may have missed it
        }
    }

    /** The outgoing direction's last exchange succeeded: it carried END, ABORT, or neither. */
    void outboundFinished(final Ending ending, final String abortReason, final String description) {
        switch (ending) {
            case END:
                outboundEnded();
                break;
            case ABORT:
                abort(abortReason);
                break;
            default:
                abort(description + " ended without END or ABORT");
        }
    }

    void countFromSocket(final int bytes) {
        fromSocket.addAndGet(bytes);
    }

    void countToSocket(final int bytes) {
        toSocket.addAndGet(bytes);
    }

    void noteLocalFailure(final String reason) {
        localFailure = reason;
    }

    /** Whether the tunnel is over because its own TCP peer failed (reset, gone); its closing line said so. */
    public synchronized boolean endedByLocalPeer() {
        return over && localFailure != null;
    }

    synchronized boolean isOver() {
        return over;
    }

    /** Our END went through the relay: the local peer's half-close has been passed on. */
    void outboundEnded() {
        final boolean both;
        synchronized (this) {
            outboundEnded = true;
            both = inboundEnded && !over;
            over |= both;
        }
        if (both) {
            finish(false, "both sides closed");
        }
    }

    /** The peer's END arrived and the socket's output is shut down. */
    void inboundEnded() {
        final boolean both;
        synchronized (this) {
            inboundEnded = true;
            both = outboundEnded && !over;
            over |= both;
        }
        if (both) {
            finish(false, "both sides closed");
        }
    }

    /** Ends the tunnel because a direction failed: both exchanges are cut and the socket is reset. */
    @Override
    public void abort(final String reason) {
        synchronized (this) {
            if (over) {
                return;
            }
            over = true;
        }
        cancelCalls();
        // an RST tells the local peer this was no clean end
        TcpOptions.reset(socket);
        final String cause = localFailure;
        finish(true, cause != null ? cause : reason);
    }

    private void finish(final boolean aborted, final String reason) {
        try {
            socket.close();
        } catch (final IOException ignored) {
            // nothing left to do with it
        }
        final long millis = (System.nanoTime() - startNanos) / 1_000_000;
        final long up = side == Side.CLIENT ? fromSocket.get() : toSocket.get();
        final long down = side == Side.CLIENT ? toSocket.get() : fromSocket.get();
        final TunnelOutcome result = new TunnelOutcome(aborted, reason, up, down, millis);
        LOG.info(() -> result.closedLine(shortId(), label));
        outcome.complete(result);
    }

    private String shortId() {
        final String known = id;
        return known == null ? "(unnamed)" : Names.shortId(known);
    }

    /** Cuts the exchanges that carry the two directions; a duplex exchange carries both, and is cut once. */
    private void cancelCalls() {
        final RelayExchange inbound = inboundCall;
        final RelayExchange outbound = outboundCall;
        cancel(inbound);
        if (outbound != inbound) {
            cancel(outbound);
        }
    }

    private static void cancel(final RelayExchange call) {
        if (call != null) {
            call.cancel();
        }
    }
}
