package org.ptth.proxy.mux;

import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import org.ptth.protocol.mux.Payloads;
import org.ptth.proxy.relay.RelayProblem;
import org.ptth.proxy.server.Backoff;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * Keeps a proxy's mux connection to the relay: connects, tells its side when a connection is up,
 * sends the heartbeats, reconnects with jittered backoff when the connection is lost, and on the
 * relay's GOAWAY connects anew at once while the old connection's tunnels finish. In {@code auto}
 * mode each connect decides the transport: an upgrade the path does not pass (426 from the relay,
 * 404 or 405 from a relay older than mux, any other refusal that is not about the key or load)
 * makes the side fall back to four-stream, said in one log line.
 */
final class LinkKeeper implements MuxLink.Owner, AutoCloseable {

    /** What the proxy does with connections: the client's or the server's part. */
    interface Side {
        /** A connection is up; new tunnels go on it from now on. */
        void linkUp(MuxLink link);

        /** Auto mode: the path does not pass the mux transport; carry new tunnels with four-stream. */
        void fallBack();

        /** Connecting failed (relay unreachable, busy, or refusing the key); the keeper tries again later. */
        void linkDown(String problem);

        /** An OPEN arrived (on a server proxy's connection); copy its first bytes before returning. */
        void openRequested(MuxLink link, int number, Payloads.Open open);
    }

    private enum Health { UNKNOWN, UP, DOWN, REJECTED }

    private static final Logger LOG = Logger.getLogger(LinkKeeper.class.getName());

    private final LinkDialer dialer;
    private final ChannelLoop loop;
    private final ScheduledExecutorService timer;
    private final Side side;
    private final Transport transport;
    private final TunnelSettings settings;
    private final String role;
    private final Backoff backoff = new Backoff();
    private final Set<MuxLink> links = ConcurrentHashMap.newKeySet();
    private int generations;
    private boolean dialing;
    private Health health = Health.UNKNOWN;
    private String lastProblem;
    private volatile MuxLink current;
    private volatile boolean fellBack;
    private volatile boolean stopped;

    /**
     * @param role {@code client} or {@code server}, for log lines
     */
    LinkKeeper(final LinkDialer dialer, final ChannelLoop loop, final ScheduledExecutorService timer, final Side side,
               final TunnelSettings settings, final String role) {
        this.dialer = dialer;
        this.loop = loop;
        this.timer = timer;
        this.side = side;
        this.transport = settings.transport();
        this.settings = settings;
        this.role = role;
    }

    void start() {
        final long every = settings.heartbeat().toMillis();
        timer.scheduleAtFixedRate(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
        dial();
    }

    /** The connection new tunnels go on, or null while there is none. */
    MuxLink current() {
        return current;
    }

    /** Auto mode, after falling back: try the mux transport again (the relay came back, say). */
    void retry() {
        if (fellBack) {
            dial();
        }
    }

    /**
     * Stopping: GOAWAY on the current connection (no new tunnels; the relay sends no more OPENs),
     * no reconnects; open tunnels finish on their connections until {@link #close()}.
     */
    void stop(final String reason) {
        stopped = true;
        final MuxLink link = current;
        current = null;
        if (link != null) {
            link.goaway(reason);
        }
    }

    @Override
    public void close() {
        stopped = true;
        current = null;
        for (final MuxLink link : links) {
            link.abort("closed: the proxy stopped");
        }
        timer.shutdownNow();
        loop.close();
        dialer.close();
    }

    // --- MuxLink.Owner ---

    @Override
    public void openRequested(final MuxLink link, final int number, final Payloads.Open open) {
        side.openRequested(link, number, open);
    }

    @Override
    public void goaway(final MuxLink link, final String reason) {
        LOG.info(() -> "relay sent GOAWAY on connection " + link.generation() + (reason.isEmpty() ? "" : " (" + reason + ")")
                + ": its " + link.tunnelCount() + " open tunnels finish there, new tunnels go on a new connection");
        if (current == link) {
            current = null;
        }
        link.drain();
        dial();
    }

    @Override
    public void lost(final MuxLink link, final String reason) {
        links.remove(link);
        if (current != link) {
            return; // a draining connection ended: its tunnels said so themselves
        }
        current = null;
        if (stopped) {
            return;
        }
        LOG.warning(() -> "mux connection " + link.generation() + " to the relay lost: " + reason + "; reconnecting");
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(false);
        scheduleDial(0);
    }

    // --- connecting ---

    private void dial() {
        final MuxLink link;
        synchronized (this) {
            if (stopped || dialing) {
                return;
            }
            dialing = true;
            link = new MuxLink(this, loop);
        }
        dialer.dial(link).whenComplete((socket, failure) -> dialed(link, failure));
    }

    private void dialed(final MuxLink link, final Throwable failure) {
        synchronized (this) {
            dialing = false;
        }
        if (failure == null) {
            connected(link);
            return;
        }
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        link.abort("never opened");
        if (stopped) {
            return;
        }
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(false);
        if (cause instanceof UpgradeRefused) {
            refused((UpgradeRefused) cause);
        } else {
            unreachable(dialer.endpoint() + ": " + RelayProblem.describe(cause), 0);
        }
    }

    private void connected(final MuxLink link) {
        if (stopped) {
            link.abort("the proxy is stopping");
            return;
        }
        synchronized (this) {
            link.generation(++generations);
        }
        links.add(link);
        link.ended().thenRun(() -> links.remove(link));
        backoff.reset();
        final boolean wasFallenBack = fellBack;
        fellBack = false;
        current = link;
        final Health before;
        synchronized (this) {
            before = health;
            health = Health.UP;
            lastProblem = null;
        }
        if (before != Health.UP || wasFallenBack) {
            LOG.info(() -> "transport mux: connected to " + dialer.endpoint() + " (connection " + link.generation()
                    + ")" + (before == Health.DOWN ? ", the relay is reachable again" : ""));
        } else {
            LOG.info(() -> "transport mux: reconnected to the relay (connection " + link.generation() + ")");
        }
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(true);
        side.linkUp(link);
        // first PING at once: the round trip sizes the tunnels' windows
        link.batch().ping(System.nanoTime());
        link.batch().flush();
        if (link.isOver() && current == link) {
            lost(link, "lost right after connecting");
        }
    }

    private void refused(final UpgradeRefused refusal) {
        if (refusal.rejected()) {
            synchronized (this) {
                if (health != Health.REJECTED || !refusal.getMessage().equals(lastProblem)) {
                    LOG.severe(() -> "relay rejects this " + role + " proxy: " + refusal.getMessage()
                            + " (check the names, the key file and the relay config; retrying, up to every 8 s)");
                }
                health = Health.REJECTED;
                lastProblem = refusal.getMessage();
            }
            side.linkDown("relay rejects this proxy: " + refusal.getMessage());
            scheduleDial(refusal.retryAfterMillis());
            return;
        }
        if (refusal.unavailable()) {
            unreachable(refusal.getMessage(), refusal.retryAfterMillis());
            return;
        }
        final String why = refusal.status() == 426
                ? "the path to the relay does not pass WebSocket (" + refusal.getMessage() + ")"
                : refusal.status() == 101 ? refusal.reason()
                : "the relay does not offer the mux transport at " + dialer.endpoint() + " (" + refusal.getMessage() + ")";
        if (transport == Transport.AUTO) {
            final boolean already = fellBack;
            fellBack = true;
            synchronized (this) {
                health = Health.UP;
            }
            if (!already) {
                LOG.info(() -> "transport four-stream: " + why);
            }
            side.fallBack();
            return;
        }
        LOG.severe(() -> "transport mux refused: " + why + "; use --transport auto or four-stream"
                + " (retrying, up to every 8 s)");
        side.linkDown("transport mux refused: " + why);
        scheduleDial(refusal.retryAfterMillis());
    }

    private void unreachable(final String problem, final long floorMillis) {
        synchronized (this) {
            if (health != Health.DOWN) {
                // a client proxy says it for each connection it cannot carry, as with every transport
                LOG.log("server".equals(role) ? java.util.logging.Level.WARNING : java.util.logging.Level.FINE,
                        () -> "relay unreachable: " + problem + " (retrying, up to every 8 s)");
            }
            health = Health.DOWN;
            lastProblem = problem;
        }
        side.linkDown("relay unreachable: " + problem);
        scheduleDial(floorMillis);
    }

    private void scheduleDial(final long floorMillis) {
        if (stopped) {
            return;
        }
        final long delay = backoff.nextDelayMillis(floorMillis);
        try {
            timer.schedule(this::dial, delay, TimeUnit.MILLISECONDS);
        } catch (final java.util.concurrent.RejectedExecutionException closed) {
            // stopping
        }
    }

    private void heartbeat() {
        final long peerTimeout = settings.peerTimeout().toNanos();
        for (final MuxLink link : links) {
            link.tick(peerTimeout);
        }
    }
}
