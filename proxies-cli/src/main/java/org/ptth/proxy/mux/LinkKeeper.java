package org.ptth.proxy.mux;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

import org.ptth.protocol.mux.Payloads;
import org.ptth.proxy.relayclient.RelayProblem;
import org.ptth.proxy.server.Backoff;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * Keeps a proxy's mux connection to the relay: connects, tells its side when a connection is up,
 * sends the heartbeats, reconnects with jittered backoff when the connection is lost, and on the
 * relay's GOAWAY connects anew at once while the old connection's tunnels finish. In {@code auto}
 * mode each connect decides the transport: an upgrade the path does not pass (426 from the relay,
 * 404 or 405 from a relay older than mux, any other refusal that is not about the key or load)
 * makes the side fall back to four-stream, said in one log line, and mux is tried again after the
 * renewal age (or {@link #FALLBACK_RETRY}): new tunnels go back to mux once the path passes it.
 *
 * <p>With a renewal age, a connection that has lived that long (less up to a quarter, so that many
 * proxies do not renew at once) is replaced, make-before-break: a new connection is dialled, takes
 * new tunnels and names its ports (LISTEN), and once the relay has answered its first PING the old
 * one gets GOAWAY and closes when its last tunnel ends. Behind a load balancer that hashes the
 * server name, the new connection goes wherever the balancer sends that name now, so the proxy
 * follows a relay that left or came back within that age.
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
    /**
     * Connections a proxy keeps at most by renewing: an old one stays while its tunnels last (an ssh
     * session of a day), and the relay allows 16 per key by default (limit.mux-connections-per-principal).
     */
    static final int MAX_LINKS = 8;
    /** Without a renewal age, auto mode tries mux again this long after falling back to four-stream. */
    static final Duration FALLBACK_RETRY = Duration.ofMinutes(5);

    private final LinkDialer dialer;
    private final ChannelLoop loop;
    private final ScheduledExecutorService timer;
    private final Side side;
    private final Transport transport;
    private final TunnelSettings settings;
    private final String role;
    private final Backoff backoff = new Backoff();
    private final Set<MuxLink> links = ConcurrentHashMap.newKeySet();
    /** Zero: connections are never renewed. */
    private final Duration renewAfter;
    private int generations;
    private boolean dialing;
    /** The link a dial in progress is to replace (renewal), or null. */
    private MuxLink renewing;
    /** A new link and the one it replaces, until the relay has answered the new one's first PING. */
    private MuxLink successor;
    private MuxLink predecessor;
    /** Why the last renewal failed or was put off, logged once until it changes. */
    private String renewalProblem;
    private Health health = Health.UNKNOWN;
    private String lastProblem;
    private volatile MuxLink current;
    private volatile boolean fellBack;
    private volatile boolean stopped;

    /**
     * @param role {@code client} or {@code server}, for log lines
     * @param renewAfter the age at which a connection is replaced by a new one; zero for never
     */
    LinkKeeper(final LinkDialer dialer, final ChannelLoop loop, final ScheduledExecutorService timer, final Side side,
               final TunnelSettings settings, final String role, final Duration renewAfter) {
        this.renewAfter = renewAfter;
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

    /** Auto mode, after falling back: try the mux transport again (the path may pass it now). */
    void retry() {
        if (fellBack && !stopped) {
            dial();
        }
    }

    /** How long auto mode stays on four-stream before it tries mux again: the renewal age, or 5 minutes. */
    Duration fallbackRetry() {
        return renewAfter.isZero() ? FALLBACK_RETRY : renewAfter;
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
        handOverOff(link);
        link.drain();
        // not on the thread that delivered the frame (the WebSocket client's selector): a dial may resolve a name
        try {
            timer.execute(this::dial);
        } catch (final java.util.concurrent.RejectedExecutionException closed) {
            // stopping
        }
    }

    @Override
    public void lost(final MuxLink link, final String reason) {
        links.remove(link);
        if (current != link) {
            handOverOff(link);
            return; // a draining connection ended: its tunnels said so themselves
        }
        current = null;
        if (stopped) {
            return;
        }
        final MuxLink previous;
        synchronized (this) {
            previous = successor == link ? predecessor : null;
            if (successor == link) {
                successor = null;
                predecessor = null;
            }
        }
        if (previous != null && usable(previous)) {
            // a renewal that failed before the relay answered: the old connection is still good
            LOG.warning(() -> "mux connection " + link.generation() + " lost before it took over from connection "
                    + previous.generation() + " (" + reason + "); connection " + previous.generation() + " goes on");
            current = previous;
            side.linkUp(previous);
            scheduleRenewal(previous, backoff.nextDelayMillis(0));
            return;
        }
        LOG.warning(() -> "mux connection " + link.generation() + " to the relay lost: " + reason + "; reconnecting");
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(false);
        scheduleDial(0);
    }

    // --- connecting ---

    private void dial() {
        dial(null);
    }

    /** @param replacing the link the new one is to replace (renewal), or null */
    private void dial(final MuxLink replacing) {
        final MuxLink link;
        synchronized (this) {
            if (stopped || dialing) {
                return;
            }
            dialing = true;
            renewing = replacing;
            link = new MuxLink(this, loop);
        }
        dialer.dial(link).whenComplete((socket, failure) -> dialed(link, failure));
    }

    /** A dial after a loss or a failure, unless another one has brought a usable link meanwhile. */
    private void redial() {
        if (!usable(current)) {
            dial();
        }
    }

    private void dialed(final MuxLink link, final Throwable failure) {
        final MuxLink replacing;
        synchronized (this) {
            dialing = false;
            replacing = renewing;
            renewing = null;
        }
        if (failure == null) {
            connected(link, replacing);
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
        if (replacing != null && current == replacing && usable(replacing)) {
            // the old connection still works: keep it, try the renewal again later
            final String problem = RelayProblem.describe(cause);
            final long delay = backoff.nextDelayMillis(0);
            renewalPutOff("renewing mux connection " + replacing.generation() + " failed: " + problem
                    + "; it goes on, trying again (up to every 8 s)");
            scheduleRenewal(replacing, delay);
            return;
        }
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(false);
        if (cause instanceof UpgradeRefused) {
            refused((UpgradeRefused) cause);
        } else {
            unreachable(dialer.endpoint() + ": " + RelayProblem.describe(cause), 0);
        }
    }

    private void connected(final MuxLink link, final MuxLink replacing) {
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
        final MuxLink previous = replacing != null && usable(replacing) ? replacing : null;
        if (previous != null) {
            synchronized (this) {
                successor = link;
                predecessor = previous;
                renewalProblem = null;
            }
            // a renewal of an idle connection is routine (every --renew-after): said only at FINE
            final int open = previous.tunnelCount();
            LOG.log(open == 0 ? java.util.logging.Level.FINE : java.util.logging.Level.INFO,
                    () -> "transport mux: connection " + link.generation() + " renews connection "
                    + previous.generation() + " (" + open + " open tunnels finish there)");
        } else if (before != Health.UP || wasFallenBack) {
            LOG.info(() -> "transport mux: connected to " + dialer.endpoint() + " (connection " + link.generation()
                    + ")" + (before == Health.DOWN ? ", the relay is reachable again" : ""));
        } else {
            LOG.info(() -> "transport mux: reconnected to the relay (connection " + link.generation() + ")");
        }
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(true);
        side.linkUp(link);
        // first PING at once: the round trip sizes the tunnels' windows, and its PONG says that the
        // relay has read the LISTEN, so that the connection this one renews can go
        link.batch().ping(System.nanoTime());
        link.batch().flush();
        if (previous != null) {
            link.answered().thenRun(() -> handOver(previous, link));
        }
        scheduleRenewal(link, renewalDelayMillis());
        if (link.isOver() && current == link) {
            lost(link, "lost right after connecting");
        }
    }

    /** The new link is up at the relay: the old one takes no new tunnel and closes once its own have ended. */
    private void handOver(final MuxLink previous, final MuxLink link) {
        synchronized (this) {
            if (successor != link) {
                return;
            }
            successor = null;
            predecessor = null;
        }
        if (!previous.isOver() && !previous.isDraining()) {
            previous.replacedBy(link);
        }
    }

    /**
     * A link of a renewal in progress hears GOAWAY or ends: that hand-over will never come, and a
     * renewal still waiting for it would wait for ever (the relay stopped during a renewal, and the
     * proxy never renewed again).
     */
    private synchronized void handOverOff(final MuxLink link) {
        if (successor == link || predecessor == link) {
            successor = null;
            predecessor = null;
        }
    }

    /** The renewal age less up to a quarter of it, at random: proxies started together spread their renewals. */
    private long renewalDelayMillis() {
        final long age = renewAfter.toMillis();
        return age - ThreadLocalRandom.current().nextLong(age / 4 + 1);
    }

    private void scheduleRenewal(final MuxLink link, final long delayMillis) {
        if (renewAfter.isZero() || stopped) {
            return;
        }
        try {
            timer.schedule(() -> renew(link), delayMillis, TimeUnit.MILLISECONDS);
        } catch (final java.util.concurrent.RejectedExecutionException closed) {
            // stopping
        }
    }

    /** Time for {@code link} to be replaced, if it is still the one new tunnels go on. */
    private void renew(final MuxLink link) {
        if (stopped || current != link || !usable(link)) {
            return;
        }
        synchronized (this) {
            if (successor != null) {
                // its own hand-over is not done yet (the relay has not answered it): later
                scheduleRenewal(link, renewalDelayMillis());
                return;
            }
        }
        if (links.size() >= MAX_LINKS) {
            renewalPutOff("not renewing mux connection " + link.generation() + ": " + links.size()
                    + " connections are open, the older ones until their tunnels end");
            scheduleRenewal(link, renewalDelayMillis());
            return;
        }
        dial(link);
    }

    /** A renewal failed or waits: said once as a warning, then quietly until the reason changes. */
    private void renewalPutOff(final String problem) {
        final boolean news;
        synchronized (this) {
            news = !problem.equals(renewalProblem);
            renewalProblem = problem;
        }
        LOG.log(news ? java.util.logging.Level.WARNING : java.util.logging.Level.FINE, problem);
    }

    private static boolean usable(final MuxLink link) {
        return link != null && !link.isOver() && !link.isDraining();
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
            final long retryMillis = fallbackRetry().toMillis();
            if (!already) {
                LOG.info(() -> "transport four-stream: " + why + "; trying mux again in " + retryMillis / 1000 + " s");
            }
            side.fallBack();
            // the path may change (a front reconfigured, a relay upgraded): decide again later, quietly
            try {
                timer.schedule(this::retry, retryMillis, TimeUnit.MILLISECONDS);
            } catch (final java.util.concurrent.RejectedExecutionException closed) {
                // stopping
            }
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
            timer.schedule(this::redial, delay, TimeUnit.MILLISECONDS);
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
