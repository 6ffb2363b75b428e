package org.ptth.relay.mux;

import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;

import org.ptth.protocol.Refusal;
import org.ptth.protocol.mux.Frames;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.metrics.ByteCounts;
import org.ptth.relay.metrics.TunnelMeter;
import org.ptth.relay.registry.AuditLog;

/**
 * One tunnel at the relay whose client or server (or both) speaks the multiplexed transport: the
 * client's half, the server's half once one is found, and what the relay keeps between them (the
 * first bytes while it looks for a server, the credit of each direction). It owns the tunnel's
 * whole life; every event, from either half or from a timer, goes through one of its methods
 * under its lock.
 *
 * <pre>
 * WAITING --a server is found, OPEN sent--> OFFERED --OPENED--> OPEN --END both ways--> CLOSED
 *    \--connect.wait, not allowed, limits--> CLOSED   \--REFUSE, accept.timeout-> CLOSED
 *                                     an ABORT, a lost connection, a broken rule: CLOSED
 * </pre>
 */
public final class MuxTunnel implements ByteCounts {
    private static final AuditLog AUDIT = new AuditLog(MuxTunnel.class);

    public enum State { WAITING, OFFERED, OPEN, CLOSED }

    private final MuxRouter router;
    private final Principal client;
    private final Target target;
    private final String id;
    private final long startNanos = System.nanoTime();
    private final Side clientSide;
    /** Client to server. */
    private final Credit upstream = new Credit();
    /** Server to client. */
    private final Credit downstream = new Credit();

    private Side serverSide;
    private State state = State.WAITING;
    /** What the client sent before a server was found: at most the initial window. */
    private ByteBuffer early;
    private boolean upEnded;
    private boolean downEnded;
    private long upBytes;
    private long downBytes;
    private ScheduledFuture<?> timer;
    /** The metrics' handle on this tunnel while it is open. */
    private TunnelMeter meter;
    /** Until when an offer not accepted in time may be taken back and made again elsewhere. */
    private volatile long connectDeadlineNanos = startNanos;

    MuxTunnel(final MuxRouter router, final Principal client, final Target target, final String id,
              final Function<MuxTunnel, Side> clientSide) {
        this.router = router;
        this.client = client;
        this.target = target;
        this.id = id;
        this.clientSide = clientSide.apply(this);
    }

    public Principal client() {
        return client;
    }

    public Target target() {
        return target;
    }

    public synchronized State state() {
        return state;
    }

    synchronized Side serverSide() {
        return serverSide;
    }

    void connectDeadline(final long nanos) {
        connectDeadlineNanos = nanos;
    }

    synchronized void replaceTimer(final ScheduledFuture<?> next) {
        if (timer != null) {
            timer.cancel(false);
        }
        timer = next;
    }

    // ---- the relay's decisions

    /**
     * Offers the tunnel to a server: {@code attach} makes the server's half (null when that server
     * is gone meanwhile). Returns false when it could not be offered there; true when it was, or
     * when the tunnel is no longer waiting.
     */
    public boolean offer(final Function<MuxTunnel, Side> attach, final long acceptTimeoutNanos) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                return offerLocked(attach, acceptTimeoutNanos);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private boolean offerLocked(final Function<MuxTunnel, Side> attach, final long acceptTimeoutNanos) {
        if (state != State.WAITING) {
            return true;
        }
        final Side server = attach.apply(this);
        if (server == null) {
            return false;
        }
        serverSide = server;
        state = State.OFFERED;
        final String label = client.name() + " from " + clientSide.address();
        final ByteBuffer first = early == null ? ByteBuffer.allocate(0) : early.flip();
        early = null;
        final int room = Frames.MAX_PAYLOAD - Frames.openPayload(target.port(), label, 0);
        final ByteBuffer inOpen = first.slice(first.position(), Math.min(room, first.remaining()));
        first.position(first.position() + inOpen.remaining());
        server.open(target.port(), label, inOpen);
        while (first.hasRemaining()) {
            final int part = Math.min(Frames.MAX_PAYLOAD, first.remaining());
            server.data(first.slice(first.position(), part));
            first.position(first.position() + part);
        }
        if (upEnded) {
            server.end();
        }
        passCredit(downstream, clientSide, server);
        replaceTimer(router.after(acceptTimeoutNanos, this::acceptTimedOut));
        return true;
    }

    /** Ends a tunnel that never opened with a refusal of the status table; its fixed reason is the audit's too. */
    void refuse(final Refusal refusal) {
        if (refusal.reason() == null) {
            throw new IllegalArgumentException(refusal + " has no fixed reason: give one");
        }
        refuse(refusal.status(), refusal.reason(), refusal.reason());
    }

    /** Ends a tunnel that never opened, with this answer to the client. */
    void refuse(final int status, final String reason, final String auditReason) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                refuseLocked(status, reason, auditReason);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void refuseLocked(final int status, final String reason, final String auditReason) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.OPEN) {
            abortLocked(auditReason);
            return;
        }
        if (serverSide != null) {
            serverSide.abort(reason);
        }
        clientSide.refused(status, reason);
        refusedEnd(status, auditReason);
    }

    /** Ends the tunnel for a reason of the relay's own (a reload, a stop): both halves hear it. */
    void abort(final String reason) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                abortLocked(reason);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void abortLocked(final String reason) {
        if (state == State.OPEN) {
            clientSide.abort(reason);
            serverSide.abort(reason);
            closedEnd(reason);
        } else if (state != State.CLOSED) {
            refuseLocked(502, reason, reason);
        }
    }

    /**
     * No OPENED in time. A server side that can be taken back (a listen poll whose proxy may have
     * gone, pitfall 15) is, and the tunnel waits again for another one until connect.wait is over;
     * otherwise (a mux connection) the server hears ABORT and the client REFUSE 502.
     */
    private void acceptTimedOut() {
        boolean again = false;
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                if (state != State.OFFERED) {
                    return;
                }
                final ByteBuffer first = System.nanoTime() - connectDeadlineNanos < 0 ? serverSide.withdraw() : null;
                if (first == null) {
                    refuseLocked(502, "server proxy did not accept the connection in time", "no accept in time");
                    return;
                }
                serverSide = null;
                state = State.WAITING;
                early = null;
                if (first.hasRemaining()) {
                    hold(first);
                }
                again = true;
            }
        } finally {
            WriteBatch.end(batch);
        }
        if (again) {
            router.reroute(this);
        }
    }

    // ---- what the halves report

    /** The client's first bytes, with its OPEN. */
    void first(final ByteBuffer bytes) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                firstLocked(bytes);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void firstLocked(final ByteBuffer bytes) {
        if (bytes.hasRemaining()) {
            dataLocked(clientSide, bytes);
        }
    }

    public void data(final Side from, final ByteBuffer bytes) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                dataLocked(from, bytes);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void dataLocked(final Side from, final ByteBuffer bytes) {
        if (state == State.CLOSED) {
            return;
        }
        final int length = bytes.remaining();
        if (from == clientSide) {
            if (upEnded) {
                broken("DATA after END from the client");
            } else if (!upstream.take(length)) {
                broken("the client sent past its credit");
            } else {
                upBytes += length;
                if (serverSide == null) {
                    hold(bytes);
                } else {
                    serverSide.data(bytes);
                }
            }
        } else if (from == serverSide) {
            if (state != State.OPEN) {
                broken("DATA from the server before OPENED");
            } else if (downEnded) {
                broken("DATA after END from the server");
            } else if (!downstream.take(length)) {
                broken("the server sent past its credit");
            } else {
                downBytes += length;
                clientSide.data(bytes);
            }
        }
    }

    public void end(final Side from) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                endLocked(from);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void endLocked(final Side from) {
        if (state == State.CLOSED) {
            return;
        }
        if (from == clientSide && !upEnded) {
            upEnded = true;
            if (serverSide != null) {
                serverSide.end();
            }
        } else if (from == serverSide && !downEnded) {
            if (state != State.OPEN) {
                broken("END from the server before OPENED");
                return;
            }
            downEnded = true;
            clientSide.end();
        } else {
            broken("a second END");
            return;
        }
        if (upEnded && downEnded) {
            closedEnd("both directions ended");
        }
    }

    public void aborted(final Side from, final String reason) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                abortedLocked(from, reason);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void abortedLocked(final Side from, final String reason) {
        if (state == State.CLOSED) {
            return;
        }
        final String who = from == clientSide ? "client" : "server";
        final String why = reason.isEmpty() ? who + " proxy aborted" : who + " proxy aborted: " + reason;
        if (state == State.OPEN) {
            (from == clientSide ? serverSide : clientSide).abort(reason.isEmpty() ? why : reason);
            closedEnd(why);
        } else if (from == clientSide) {
            if (serverSide != null) {
                serverSide.abort(why);
            }
            refusedEnd(0, "client aborted before the server accepted" + (reason.isEmpty() ? "" : ": " + reason));
        } else {
            clientSide.refused(502, why);
            refusedEnd(502, why);
        }
    }

    public void credit(final Side from, final int increment) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                creditLocked(from, increment);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void creditLocked(final Side from, final int increment) {
        if (state == State.CLOSED) {
            return;
        }
        final boolean fromClient = from == clientSide;
        final Credit direction = fromClient ? downstream : upstream;
        if (!direction.grant(increment)) {
            broken("CREDIT beyond the protocol's maximum window");
            return;
        }
        passCredit(direction, from, fromClient ? serverSide : clientSide);
    }

    /**
     * Credit from a half that grants beyond what the mux side may have outstanding (a four-stream
     * proxy ends its upload with a CREDIT of 2^31 - 1: "send without limit"): passed on up to the
     * protocol's maximum, never refused.
     */
    public void creditUpTo(final Side from, final int increment) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                if (state == State.CLOSED) {
                    return;
                }
                final long room = (from == clientSide ? downstream : upstream).headroom();
                if (room > 0) {
                    creditLocked(from, (int) Math.min(room, increment));
                }
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    public void opened(final Side from) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                openedLocked(from);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void openedLocked(final Side from) {
        if (state == State.CLOSED) {
            return;
        }
        if (from != serverSide || state != State.OFFERED) {
            broken("OPENED twice");
            return;
        }
        state = State.OPEN;
        replaceTimer(null);
        router.leftPending(this);
        clientSide.opened();
        meter = router.events().opened(client.name(), clientSide.address(), target.server(), target.port(),
                clientSide.transport(), startNanos, this);
        AUDIT.line("opened", () -> "tunnel " + id + " opened: client " + client.name() + " from " + clientSide.address()
                + " to " + target + " served from " + serverSide.address() + " (" + transports() + ")");
    }

    public void refused(final Side from, final String reason) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                refusedLocked(from, reason);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void refusedLocked(final Side from, final String reason) {
        if (state == State.CLOSED) {
            return;
        }
        if (from != serverSide || state != State.OFFERED) {
            broken("REFUSE after OPENED");
            return;
        }
        final String why = reason.isBlank() ? "target refused by server proxy" : "target refused by server proxy: " + reason;
        clientSide.refused(502, why);
        refusedEnd(502, why);
    }

    /** The connection (or the calls) that carried one half is gone: the other half hears it. */
    public void lost(final Side side, final String why) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                lostLocked(side, why);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void lostLocked(final Side side, final String why) {
        if (state == State.CLOSED || (side != clientSide && side != serverSide)) {
            return;
        }
        if (side == clientSide) {
            if (state == State.OPEN) {
                serverSide.abort(why);
                closedEnd(why);
            } else {
                if (serverSide != null) {
                    serverSide.abort(why);
                }
                refusedEnd(0, "client went away before the server accepted (" + why + ")");
            }
        } else if (state == State.OPEN) {
            clientSide.abort(why);
            closedEnd(why);
        } else {
            clientSide.refused(502, "server proxy went away: " + why);
            refusedEnd(502, "server proxy went away: " + why);
        }
    }

    /** Data towards {@code receiver} no longer backs up: pass on the credit held back for it. */
    void roomAvailable(final Side receiver) {
        final WriteBatch batch = WriteBatch.begin();
        try {
            synchronized (this) {
                roomAvailableLocked(receiver);
            }
        } finally {
            WriteBatch.end(batch);
        }
    }

    private void roomAvailableLocked(final Side receiver) {
        if (state == State.CLOSED) {
            return;
        }
        if (receiver == serverSide) {
            passCredit(upstream, serverSide, clientSide);
        } else if (receiver == clientSide) {
            passCredit(downstream, clientSide, serverSide);
        }
    }

    // ---- inside

    /**
     * Passes the credit the receiver granted on to the sender, gathered, unless the data towards
     * the receiver is backing up in the relay; then the receiver's side calls back when it drains.
     */
    private void passCredit(final Credit direction, final Side receiver, final Side sender) {
        if (direction.withheld() == 0 || sender == null || receiver == null || receiver.congested()) {
            return;
        }
        final int increment = direction.release();
        if (increment > 0) {
            sender.credit(increment);
        }
    }

    private void hold(final ByteBuffer bytes) {
        if (early == null) {
            early = ByteBuffer.allocate(Math.max(bytes.remaining(), 512));
        } else if (early.remaining() < bytes.remaining()) {
            final ByteBuffer grown = ByteBuffer.allocate(Math.min(Frames.INITIAL_WINDOW,
                    Math.max(early.capacity() * 2, early.position() + bytes.remaining())));
            grown.put(early.flip());
            early = grown;
        }
        early.put(bytes);
    }

    /** A half broke the protocol on this tunnel: both halves hear why, and the tunnel ends. */
    private void broken(final String what) {
        final String reason = "protocol error on this tunnel: " + what;
        if (state == State.OPEN) {
            clientSide.abort(reason);
            serverSide.abort(reason);
            closedEnd(reason);
        } else {
            if (serverSide != null) {
                serverSide.abort(reason);
            }
            clientSide.abort(reason);
            refusedEnd(0, reason);
        }
    }

    /** {@code status}: what the client was answered, 0 when it went away or broke the protocol itself. */
    private void refusedEnd(final int status, final String auditReason) {
        finish();
        router.events().refused(client.name(), clientSide.address(), target.server(), target.port(),
                clientSide.transport(), status, auditReason);
        AUDIT.line("refused", () -> "tunnel refused: client " + client.name() + " from " + clientSide.address() + " to " + target
                + " after " + millis() + " ms: " + auditReason + " (" + transports() + ")");
    }

    private void closedEnd(final String why) {
        finish();
        router.events().closed(meter, why);
        AUDIT.line("closed", () -> "tunnel " + id + " closed: client " + client.name() + " to " + target + ", up " + upBytes
                + " bytes, down " + downBytes + " bytes, " + millis() + " ms, " + why + " (" + transports() + ")");
    }

    private void finish() {
        final State was = state;
        state = State.CLOSED;
        replaceTimer(null);
        early = null;
        clientSide.detach();
        if (serverSide != null) {
            serverSide.detach();
        }
        router.removed(this, was);
    }

    /** Which halves used which transport, for the audit log: "mux: client server", "mux: client; four-stream: server". */
    private String transports() {
        final String clientKind = clientSide.transport();
        final String serverKind = serverSide == null ? null : serverSide.transport();
        if (serverKind == null || clientKind.equals(serverKind)) {
            return clientKind + ": client" + (serverKind == null ? "" : " server");
        }
        return clientKind + ": client; " + serverKind + ": server";
    }

    @Override
    public synchronized long upBytes() {
        return upBytes;
    }

    @Override
    public synchronized long downBytes() {
        return downBytes;
    }

    private long millis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Override
    public String toString() {
        return "tunnel " + id + " " + client.name() + "->" + target;
    }
}
