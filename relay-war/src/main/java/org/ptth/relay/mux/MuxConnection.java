package org.ptth.relay.mux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.ptth.protocol.Reasons;
import org.ptth.protocol.mux.FrameParser;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.MuxProtocolException;
import org.ptth.protocol.mux.Payloads;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.pump.BufferBudget;
import org.ptth.relay.pump.Waiters;
import org.ptth.relay.websocket.CloseCodes;

/**
 * One proxy's mux connection: reads its frames and hands each to the tunnel it names, and writes
 * what its tunnels have queued. A server proxy's connection also holds the ports its last LISTEN
 * named. Reads come from the container, one at a time; writes come from whichever thread queued a
 * frame, one at a time, gathered: the frames queued while one read is parsed leave together.
 */
public final class MuxConnection implements Carrier.Events, FrameParser.Sink, QueuedWriter, BufferBudget.Waiter {
    private static final Logger LOG = Logger.getLogger(MuxConnection.class.getName());
    /** How the reason of a renewal's GOAWAY begins (docs/protocol.md, "Draining"). */
    private static final String RENEWED = "renewed";
    /** The payload of the largest message written at once: room for many frames, at least one of each size. */
    static final int MESSAGE_BYTES = 128 * 1024;
    /** Bytes queued on one connection above which credit towards it is held back. */
    private static final long QUEUE_HIGH = 1024 * 1024;
    /** PONGs queued since the last write: a proxy PINGs every 10 s; thousands mean it does not read. */
    private static final int MAX_PONGS_UNWRITTEN = 4096;

    enum Role { CLIENT, SERVER }

    private final MuxRouter router;
    private final Principal principal;
    private final String serverName;
    private final Role role;
    private final String address;
    private final String id;
    private final Carrier carrier;
    private final Runnable release;
    private final Outbox outbox;
    private final FrameParser parser = new FrameParser();
    private final Map<Integer, MuxSide> sides = new ConcurrentHashMap<>();
    private final AtomicInteger numbers = new AtomicInteger();
    private final Set<MuxSide> creditWaiters = ConcurrentHashMap.newKeySet();
    private final AtomicInteger writeSignals = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final byte[] message = new byte[Carrier.HEADER_ROOM + MESSAGE_BYTES];

    private volatile Set<String> ports = Set.of();
    /** Set under {@link #routing}: no server half is attached here after it. */
    private volatile boolean goawayReceived;
    /**
     * Orders PONGs after OPENs (docs/protocol.md, "Draining"): a proxy that said GOAWAY closes once the
     * PONG of a later PING comes and no tunnel is left, so every OPEN routed here before the GOAWAY
     * was read must be queued ahead of that PONG, even one whose routing thread is still on its way.
     */
    private final Object routing = new Object();
    /** Server halves attached whose OPEN is not queued yet; guarded by {@link #routing}. */
    private int opensUnqueued;
    /** PING tokens whose PONG waits for those OPENs; guarded by {@link #routing}. */
    private final List<Long> pongsHeld = new ArrayList<>(1);
    /**
     * The proxy's GOAWAY said "renewed" (docs/protocol.md, "Draining"): a newer connection took over,
     * every --renew-after, so its lines are routine and logged at FINE.
     */
    private volatile boolean renewed;
    /**
     * Set by {@link #closeIfDrained()} and {@link #closeOnceWritten}: close as soon as the queue is
     * written, with {@link #closeCode} and {@link #closeReason}.
     */
    private volatile boolean closeWhenWritten;
    private volatile int closeCode;
    private volatile String closeReason;
    private volatile long lastReceivedNanos = System.nanoTime();
    /** When a write last found the peer not reading while frames waited; 0 when it is not so. */
    private volatile long blockedSinceNanos;
    /** The batch of the read being parsed; touched only by the reading thread. */
    private WriteBatch batch;
    /** PINGs answered since a write last went out. */
    private volatile int pongsUnwritten;

    MuxConnection(final MuxRouter router, final Principal principal, final String serverName, final String address,
                  final Carrier carrier, final Runnable release) {
        this.router = router;
        this.principal = principal;
        this.serverName = serverName;
        this.role = principal.isServer() ? Role.SERVER : Role.CLIENT;
        this.address = address;
        this.carrier = carrier;
        this.release = release;
        this.outbox = new Outbox(router.budget());
        this.id = shortId();
    }

    private static String shortId() {
        final String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        final StringBuilder s = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            s.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return s.toString();
    }

    Principal principal() {
        return principal;
    }

    /** The server the connection's path names: the proxy's own (a server) or the one it reaches (a client). */
    String serverName() {
        return serverName;
    }

    Role role() {
        return role;
    }

    String address() {
        return address;
    }

    String id() {
        return id;
    }

    Outbox outbox() {
        return outbox;
    }

    int tunnelCount() {
        return sides.size();
    }

    /** A server connection that takes new tunnels for this port. */
    boolean serves(final String port) {
        return !closed.get() && !goawayReceived && ports.contains(port);
    }

    Set<String> ports() {
        return ports;
    }

    // ---- what the carrier reports

    @Override
    public void binary(final ByteBuffer part, final boolean messageEnds) throws MuxProtocolException {
        if (batch == null) {
            batch = WriteBatch.begin();
        }
        parser.feed(part, this);
        if (messageEnds && !parser.atBoundary()) {
            throw new MuxProtocolException("a frame split across two WebSocket messages");
        }
    }

    @Override
    public void readDone() {
        lastReceivedNanos = System.nanoTime();
        final WriteBatch done = batch;
        batch = null;
        if (done != null) {
            done.end();
        }
    }

    @Override
    public void writable() {
        wake();
    }

    @Override
    public void closed(final int code, final String why) {
        end(why, "mux connection lost: " + why);
    }

    @Override
    public void released() {
        if (released.compareAndSet(false, true)) {
            end("released by the container", "mux connection lost");
            release.run();
        }
    }

    // ---- frames

    @Override
    public void frame(final FrameType type, final int tunnel, final ByteBuffer payload) throws MuxProtocolException {
        if (closed.get()) {
            return; // the rest of a read that came after the connection was closed
        }
        switch (type) {
            case PING -> {
                final long token = Payloads.pingToken(payload);
                if (++pongsUnwritten > MAX_PONGS_UNWRITTEN) {
                    // Its answers would only pile up: a proxy that sends and does not read.
                    close(CloseCodes.POLICY_VIOLATION, "the proxy sends PINGs but reads nothing");
                    return;
                }
                synchronized (routing) {
                    if (opensUnqueued > 0) {
                        pongsHeld.add(token);
                        return;
                    }
                    outbox.pong(token);
                }
                wake();
            }
            case PONG -> Payloads.pingToken(payload);
            case LISTEN -> {
                requireRole(Role.SERVER, type);
                ports = Set.copyOf(Payloads.ports(payload));
                LOG.fine(() -> this + " listens on " + ports);
                router.listened(this);
            }
            case GOAWAY -> {
                final String reason = Payloads.reason(payload);
                renewed = reason.startsWith(RENEWED);
                synchronized (routing) {
                    goawayReceived = true;
                }
                LOG.log(renewed ? Level.FINE : Level.INFO,
                        () -> this + ": the proxy takes no new tunnel" + (reason.isEmpty() ? "" : ": " + reason));
                closeIfDrained();
            }
            case OPEN -> {
                requireRole(Role.CLIENT, type);
                if (sides.containsKey(tunnel)) {
                    throw new MuxProtocolException("OPEN reuses tunnel number " + Integer.toUnsignedString(tunnel)
                            + ", which is still open");
                }
                router.open(this, tunnel, Payloads.open(payload));
            }
            case OPENED -> {
                requireRole(Role.SERVER, type);
                Payloads.empty(type, payload);
                final MuxSide side = sides.get(tunnel);
                if (side != null) {
                    side.tunnel().opened(side);
                }
            }
            case REFUSE -> {
                requireRole(Role.SERVER, type);
                final Payloads.Refusal refusal = Payloads.refusal(payload);
                final MuxSide side = sides.get(tunnel);
                if (side != null) {
                    side.tunnel().refused(side, refusal.reason());
                }
            }
            case DATA -> {
                if (!payload.hasRemaining()) {
                    throw new MuxProtocolException("DATA without bytes");
                }
                final MuxSide side = sides.get(tunnel);
                if (side != null) {
                    side.tunnel().data(side, payload);
                }
            }
            case END -> {
                Payloads.empty(type, payload);
                final MuxSide side = sides.get(tunnel);
                if (side != null) {
                    side.tunnel().end(side);
                }
            }
            case ABORT -> {
                final String reason = Payloads.reason(payload);
                final MuxSide side = sides.get(tunnel);
                if (side != null) {
                    side.tunnel().aborted(side, reason);
                }
            }
            case CREDIT -> {
                final int increment = Payloads.credit(payload);
                final MuxSide side = sides.get(tunnel);
                if (side != null) {
                    side.tunnel().credit(side, increment);
                }
            }
            default -> throw new MuxProtocolException("unexpected " + type);
        }
    }

    private void requireRole(final Role wanted, final FrameType type) throws MuxProtocolException {
        if (role != wanted) {
            throw new MuxProtocolException(type + " from a " + role.name().toLowerCase() + " proxy: only a "
                    + wanted.name().toLowerCase() + " proxy sends it");
        }
    }

    // ---- tunnels

    /** The client's half of a tunnel it opened under {@code number}. */
    MuxSide claim(final int number, final MuxTunnel tunnel) {
        final MuxSide side = new MuxSide(this, number, tunnel);
        sides.put(number, side);
        return side;
    }

    /** A new server half under the next number of this connection; null when the connection is closed. */
    MuxSide attachServer(final MuxTunnel tunnel) {
        synchronized (routing) {
            if (closed.get() || goawayReceived) {
                return null;
            }
            opensUnqueued++;
        }
        final MuxSide side = new MuxSide(this, numbers.incrementAndGet(), tunnel);
        sides.put(side.number(), side);
        if (closed.get()) {
            // closed meanwhile: its tunnels may have been ended already, without this one
            sides.remove(side.number(), side);
            openQueued();
            return null;
        }
        return side;
    }

    /** A server half's OPEN is queued (or never will be): the PONGs held for it follow. */
    void openQueued() {
        synchronized (routing) {
            if (--opensUnqueued > 0 || pongsHeld.isEmpty()) {
                return;
            }
            for (final long token : pongsHeld) {
                outbox.pong(token);
            }
            pongsHeld.clear();
        }
        wake();
    }

    void forget(final MuxSide side) {
        if (sides.remove(side.number(), side)) {
            creditWaiters.remove(side);
            closeIfDrained();
        }
    }

    /** Whether frames back up towards this connection; if so, the tunnel is called back once they drain. */
    boolean congested(final MuxSide waiter) {
        if (!backedUp()) {
            return false;
        }
        creditWaiters.add(waiter);
        if (router.budget().over()) {
            router.budget().waitFor(this);
        }
        if (!backedUp() && creditWaiters.remove(waiter)) {
            return false;
        }
        return true;
    }

    private boolean backedUp() {
        return outbox.bytes() > QUEUE_HIGH || router.budget().over();
    }

    private void releaseCreditWaiters() {
        if (creditWaiters.isEmpty() || outbox.bytes() > QUEUE_HIGH / 2 || router.budget().over()) {
            if (!creditWaiters.isEmpty() && router.budget().over()) {
                router.budget().waitFor(this);
            }
            return;
        }
        // Taken out first, woken after: a woken tunnel that finds the connection backed up again
        // (another thread queued meanwhile) adds itself back, and an iteration that met it again
        // would never end (it did: a writer thread spun here, so the connection was never read again).
        for (final MuxSide waiter : Waiters.takeAll(creditWaiters)) {
            waiter.tunnel().roomAvailable(waiter);
        }
    }

    // ---- writing

    /** Something was queued: write it now, or at the end of the read under way on this thread. */
    void wake() {
        WriteBatch.wake(this);
    }

    /** The relay's queued total dropped under its limit: tunnels waiting for credit may be let go. */
    @Override
    public void budgetAvailable() {
        wake();
    }

    /** Writes what is queued, as long as the peer takes it; one thread at a time, the others leave it a signal. */
    @Override
    public void flush() {
        if (writeSignals.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            try {
                pump();
            } catch (final IOException | RuntimeException e) {
                LOG.log(Level.FINE, this + ": write failed", e);
                end("write failed: " + e, "mux connection lost: write failed");
            }
            missed = writeSignals.addAndGet(-missed);
        } while (missed != 0);
    }

    private void pump() throws IOException {
        while (true) {
            if (!carrier.writable()) {
                if (!outbox.isEmpty() && blockedSinceNanos == 0) {
                    blockedSinceNanos = System.nanoTime();
                }
                return;
            }
            blockedSinceNanos = 0;
            if (carrier.sendOwn()) {
                continue;
            }
            if (closed.get()) {
                return;
            }
            final int length = outbox.drainInto(message, Carrier.HEADER_ROOM, MESSAGE_BYTES);
            if (length == 0) {
                if (closeWhenWritten) {
                    close(closeCode, closeReason);
                    return;
                }
                break;
            }
            carrier.send(message, length);
            pongsUnwritten = 0;
            router.budget().giveBack(length);
        }
        releaseCreditWaiters();
    }

    // ---- ending

    /** Tells the proxy to open no new tunnel here (the relay stops); open tunnels go on. */
    void goaway(final String reason) {
        outbox.goaway(reason);
        wake();
    }

    /** Closes the connection with a status code and reason: every tunnel on it ends, the other halves hear it. */
    public void close(final int code, final String reason) {
        if (end(reason, "mux connection closed: " + reason)) {
            carrier.close(code, reason);
            flush();
        }
    }

    /**
     * Closes the connection once what is queued for it has been written: the END, ABORT and GOAWAY
     * frames of a relay that stops, which {@link #close} would drop. The caller bounds the wait and
     * closes outright when the peer does not read.
     */
    void closeOnceWritten(final int code, final String reason) {
        closeCode = code;
        closeReason = reason;
        closeWhenWritten = true;
        wake();
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Whether the container has let the socket go (after the proxy answered the close, or it vanished). */
    boolean isReleased() {
        return released.get();
    }

    /** Closes the socket now, whether the proxy answered the close frame or not. */
    void cut() {
        carrier.cut();
    }

    /**
     * The proxy said GOAWAY and its last tunnel has ended: the connection closes once what is queued
     * for it (that tunnel's last DATA and END, say) has been written, never before.
     */
    private void closeIfDrained() {
        if (goawayReceived && sides.isEmpty() && !closed.get()) {
            closeOnceWritten(CloseCodes.NORMAL, "going away, and no tunnel is left");
        }
    }

    /** Ends every tunnel and drops what is queued; true for the call that ended it. */
    private boolean end(final String logReason, final String tunnelReason) {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        // a renewed connection that ends with no tunnel left is routine; one that cuts tunnels is not
        LOG.log(renewed && sides.isEmpty() ? Level.FINE : Level.INFO,
                () -> this + " closed: " + Reasons.printable(logReason));
        router.removed(this);
        final List<MuxSide> open = new ArrayList<>(sides.values());
        for (final MuxSide side : open) {
            side.tunnel().lost(side, tunnelReason);
        }
        sides.clear();
        creditWaiters.clear();
        router.budget().giveBack(outbox.discard());
        return true;
    }

    /** The relay's checks, once a second: a peer silent for too long, or not reading for too long, is gone. */
    void checkTimeouts(final long now, final long peerTimeoutNanos) {
        if (closed.get()) {
            return;
        }
        final long seconds = TimeUnit.NANOSECONDS.toSeconds(peerTimeoutNanos);
        if (now - lastReceivedNanos > peerTimeoutNanos) {
            close(CloseCodes.GOING_AWAY, "nothing received for " + seconds + " s");
            return;
        }
        final long blocked = blockedSinceNanos;
        if (blocked != 0 && now - blocked > peerTimeoutNanos) {
            close(CloseCodes.POLICY_VIOLATION, "the proxy read nothing for " + seconds + " s");
        }
    }

    @Override
    public String toString() {
        return "mux connection " + id + " (" + principal + " from " + address + ")";
    }
}
