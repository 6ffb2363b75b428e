package org.ptth.relay.mux;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.ptth.protocol.Refusal;
import org.ptth.protocol.mux.MuxProtocolException;
import org.ptth.protocol.mux.Payloads;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.metrics.Limit;
import org.ptth.relay.metrics.RelayEvents;
import org.ptth.relay.pump.BufferBudget;
import org.ptth.relay.timing.Timers;
import org.ptth.relay.websocket.CloseCodes;

/**
 * The relay's mux connections and the tunnels they carry: admits connections, finds a server
 * connection for each OPEN (waiting up to connect.wait for one), applies the limits, and times
 * what must be timed (connect.wait, accept.timeout, silent or stalled connections) on one timer
 * thread of its own.
 */
public final class MuxRouter {
    private static final Logger LOG = Logger.getLogger(MuxRouter.class.getName());
    private static final long SWEEP_MILLIS = 1000;
    /** How long a stopping relay waits for a connection's last frames to be written and its close answered before it cuts it. */
    static final long CLOSE_WAIT_MILLIS = 2000;

    /**
     * How the router reaches the proxies that use the classic calls (docs/protocol.md, "Joining
     * transports"): a tunnel that no mux server takes may go to a parked listen poll.
     */
    public interface Classic {
        /** Offers the waiting tunnel to a listen poll parked for its port; true when one took it. */
        boolean offerToPoll(MuxTunnel tunnel, long acceptNanos);

        /** The relay's periodic look at the joined tunnels' HTTP sides (heartbeats, silent proxies). */
        void tick(long now);

        /** A mux server connection now listens on this port: connects that wait for it there are its. */
        void listening(Target target);
    }

    private final Supplier<RelayConfig> config;
    private final IntSupplier otherTunnels;
    private final ToIntFunction<String> otherTunnelsOfClient;
    private volatile Classic classic;
    private volatile RelayEvents events = RelayEvents.NONE;
    private final BufferBudget budget;
    private final Timers timers;
    private final Set<MuxConnection> connections = ConcurrentHashMap.newKeySet();
    private final Map<String, List<MuxConnection>> serverConnections = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> connectionsByPrincipal = new ConcurrentHashMap<>();
    private final Map<Target, ArrayDeque<MuxTunnel>> waiting = new ConcurrentHashMap<>();
    private final Set<MuxTunnel> live = ConcurrentHashMap.newKeySet();
    private final Set<MuxTunnel> pending = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> tunnelsByClient = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> pendingByServer = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    /**
     * {@code otherTunnels} and {@code otherTunnelsOfClient}: the tunnels of the other transports,
     * which count against the same limits.
     */
    public MuxRouter(final Supplier<RelayConfig> config, final IntSupplier otherTunnels,
                     final ToIntFunction<String> otherTunnelsOfClient, final Timers timers) {
        this.config = config;
        this.otherTunnels = otherTunnels;
        this.otherTunnelsOfClient = otherTunnelsOfClient;
        this.budget = new BufferBudget(() -> {
            final RelayConfig c = config.get();
            return c == null ? RelayConfig.Mux.defaultBufferMax() : c.mux().bufferMax();
        });
        this.timers = timers;
        timers.every(SWEEP_MILLIS, this::sweep);
    }

    /** Where tunnels go that no mux server takes; set once, at start. */
    public void join(final Classic classicTransports) {
        this.classic = classicTransports;
    }

    /** Where the tunnels' and connections' events go (the metrics); set once, at start. */
    public void meter(final RelayEvents metrics) {
        this.events = metrics;
    }

    RelayEvents events() {
        return events;
    }

    BufferBudget budget() {
        return budget;
    }

    ScheduledFuture<?> after(final long nanos, final Runnable task) {
        return timers.after(nanos, task);
    }

    // ---- connections

    /**
     * Checks that the principal may open one more mux connection and counts it; the returned action
     * gives the count back once the container has let the connection go.
     */
    public Runnable admit(final Principal principal) throws RelayException {
        if (stopping) {
            throw RelayException.unavailable(Refusal.STOPPING.reason(), 1);
        }
        final AtomicInteger count = connectionsByPrincipal.computeIfAbsent(principal.toString(), k -> new AtomicInteger());
        if (count.incrementAndGet() > config.get().mux().connectionsPerPrincipal()) {
            count.decrementAndGet();
            events.limitReached(Limit.MUX_CONNECTIONS_PER_PRINCIPAL);
            throw new RelayException(429, "too many mux connections for " + principal, 5);
        }
        final AtomicBoolean once = new AtomicBoolean();
        return () -> {
            if (once.compareAndSet(false, true)) {
                count.decrementAndGet();
            }
        };
    }

    /** A new connection on the carrier, once its upgrade is done. */
    public MuxConnection connect(final Principal principal, final String server, final String address,
                                 final Carrier carrier, final Runnable release) {
        final MuxConnection connection = new MuxConnection(this, principal, server, address, carrier, release);
        connections.add(connection);
        if (connection.role() == MuxConnection.Role.SERVER) {
            serverConnections.computeIfAbsent(principal.name(), k -> new CopyOnWriteArrayList<>()).add(connection);
        }
        LOG.info(() -> connection + " opened");
        events.muxConnectionOpened(connection.role() == MuxConnection.Role.SERVER);
        if (stopping) {
            connection.goaway(Refusal.STOPPING.reason());
        }
        return connection;
    }

    void removed(final MuxConnection connection) {
        connections.remove(connection);
        final List<MuxConnection> same = serverConnections.get(connection.principal().name());
        if (same != null && connection.role() == MuxConnection.Role.SERVER) {
            same.remove(connection);
        }
    }

    // ---- tunnels

    /** A client's OPEN. */
    void open(final MuxConnection from, final int number, final Payloads.Open open) throws MuxProtocolException {
        final MuxTunnel tunnel = new MuxTunnel(this, from.principal(), new Target(from.serverName(), open.port()),
                from.id() + "." + Integer.toUnsignedString(number), t -> from.claim(number, t));
        tunnel.first(open.firstBytes());
        admit(tunnel);
    }

    /**
     * A four-stream or duplex client's connect to a port that a mux server serves (the registry
     * checked that the client may reach it): {@code clientSide} makes the tunnel's client half.
     */
    public void openClassic(final Principal client, final Target target, final String id,
                            final Function<MuxTunnel, Side> clientSide) {
        admit(new MuxTunnel(this, client, target, id, clientSide));
    }

    /** Whether a mux server connection takes new tunnels for this port now. */
    public boolean serves(final Target target) {
        return choose(target) != null;
    }

    /** The relay's rules for a new tunnel, then its way to a server. */
    private void admit(final MuxTunnel tunnel) {
        final RelayConfig cfg = config.get();
        final Principal client = tunnel.client();
        final Target target = tunnel.target();
        if (stopping) {
            tunnel.refuse(Refusal.STOPPING);
            return;
        }
        if (cfg == null) {
            tunnel.refuse(Refusal.UNCONFIGURED.status(), "relay has no valid configuration", "no configuration");
            return;
        }
        if (live.size() + otherTunnels.getAsInt() >= cfg.limits().tunnels()) {
            events.limitReached(Limit.TUNNELS);
            tunnel.refuse(Refusal.RELAY_LIMIT.status(), "relay at its tunnel limit", "relay at its tunnel limit");
            return;
        }
        final AtomicInteger mine = counter(tunnelsByClient, client.name());
        if (mine.incrementAndGet() + otherTunnelsOfClient.applyAsInt(client.name()) > cfg.limits().tunnelsPerClient()) {
            mine.decrementAndGet();
            events.limitReached(Limit.TUNNELS_PER_CLIENT);
            tunnel.refuse(Refusal.CALLER_LIMIT.status(), "too many tunnels for client " + client.name(), "too many tunnels for this client");
            return;
        }
        live.add(tunnel);
        // A target the client may not reach is answered like an offline one, after the same wait,
        // so that neither the answer nor its timing tells which names exist.
        final long wait = cfg.timeouts().connectWait().toNanos();
        if (!cfg.allows(client, target.server(), target.port())) {
            tunnel.replaceTimer(after(wait, () -> tunnel.refuse(Refusal.NOT_ONLINE.status(), Refusal.NOT_ONLINE.reason(),
                    "target not allowed for this client")));
            return;
        }
        final AtomicInteger waitingForServer = counter(pendingByServer, target.server());
        if (waitingForServer.incrementAndGet() > cfg.limits().pendingConnectsPerServer()) {
            waitingForServer.decrementAndGet();
            events.limitReached(Limit.PENDING_CONNECTS_PER_SERVER);
            tunnel.refuse(Refusal.RELAY_LIMIT.status(), "too many pending connects for server " + target.server(), "too many pending connects");
            return;
        }
        pending.add(tunnel);
        tunnel.connectDeadline(System.nanoTime() + wait);
        tunnel.replaceTimer(after(wait, () -> expire(tunnel)));
        route(tunnel);
    }

    /** An offer that was taken back (its listen poll did not accept in time): the tunnel looks for a server again. */
    void reroute(final MuxTunnel tunnel) {
        if (tunnel.state() == MuxTunnel.State.WAITING) {
            route(tunnel);
        }
    }

    /** Offers the tunnel to a server connection that listens on its port, else lets it wait for one. */
    private void route(final MuxTunnel tunnel) {
        final long acceptNanos = config.get().timeouts().accept().toNanos();
        while (true) {
            final MuxConnection server = choose(tunnel.target());
            if (server == null) {
                break;
            }
            if (tunnel.offer(t -> server.attachServer(t), acceptNanos)) {
                return;
            }
        }
        final Classic other = classic;
        if (other != null && other.offerToPoll(tunnel, acceptNanos)) {
            return;
        }
        waiting.compute(tunnel.target(), (key, queue) -> {
            final ArrayDeque<MuxTunnel> q = queue == null ? new ArrayDeque<>() : queue;
            q.addLast(tunnel);
            return q;
        });
        // A LISTEN may have come between the look and the queueing.
        if (choose(tunnel.target()) != null) {
            retryWaiting(tunnel.target());
        }
    }

    /** Among the server's connections that listen on the port, the one with the fewest tunnels. */
    private MuxConnection choose(final Target target) {
        final List<MuxConnection> candidates = serverConnections.get(target.server());
        if (candidates == null) {
            return null;
        }
        MuxConnection best = null;
        for (final MuxConnection c : candidates) {
            if (c.serves(target.port()) && (best == null || c.tunnelCount() < best.tunnelCount())) {
                best = c;
            }
        }
        return best;
    }

    /** A server connection's new port set: the tunnels that wait for those ports go to it (or a sibling). */
    void listened(final MuxConnection server) {
        final Classic other = classic;
        for (final String port : server.ports()) {
            final Target target = new Target(server.principal().name(), port);
            retryWaiting(target);
            if (other != null) {
                other.listening(target);
            }
        }
    }

    private void retryWaiting(final Target target) {
        while (true) {
            final MuxTunnel next = takeWaiting(target);
            if (next == null) {
                return;
            }
            if (next.state() == MuxTunnel.State.WAITING) {
                route(next);
                if (next.state() == MuxTunnel.State.WAITING) {
                    return; // no server after all: it went back into the queue
                }
            }
        }
    }

    /**
     * A listen poll of this port came: the tunnels that wait for it, oldest first, are offered to
     * {@code attach} (which answers the poll) until one takes it. True when the poll was used,
     * answered or found gone; false when no tunnel waits.
     */
    public boolean offerWaiting(final Target target, final Function<MuxTunnel, Side> attach) {
        final long acceptNanos = config.get().timeouts().accept().toNanos();
        while (true) {
            final MuxTunnel next = takeWaiting(target);
            if (next == null) {
                return false;
            }
            final boolean[] tried = {false};
            final boolean offered = next.offer(t -> {
                tried[0] = true;
                return attach.apply(t);
            }, acceptNanos);
            if (tried[0]) {
                if (!offered) {
                    // the poll was gone: the tunnel waits on, first in line
                    waiting.compute(target, (key, queue) -> {
                        final ArrayDeque<MuxTunnel> q = queue == null ? new ArrayDeque<>() : queue;
                        q.addFirst(next);
                        return q;
                    });
                }
                return true;
            }
        }
    }

    private MuxTunnel takeWaiting(final Target target) {
        final MuxTunnel[] taken = new MuxTunnel[1];
        waiting.computeIfPresent(target, (key, queue) -> {
            taken[0] = queue.pollFirst();
            return queue.isEmpty() ? null : queue;
        });
        return taken[0];
    }

    private void unqueue(final MuxTunnel tunnel) {
        waiting.computeIfPresent(tunnel.target(), (key, queue) -> {
            queue.remove(tunnel);
            return queue.isEmpty() ? null : queue;
        });
    }

    private void expire(final MuxTunnel tunnel) {
        if (tunnel.state() == MuxTunnel.State.WAITING) {
            tunnel.refuse(Refusal.NOT_ONLINE.status(), Refusal.NOT_ONLINE.reason(), "no listener within the connect wait");
        }
    }

    void leftPending(final MuxTunnel tunnel) {
        if (pending.remove(tunnel)) {
            counter(pendingByServer, tunnel.target().server()).decrementAndGet();
        }
    }

    /** The tunnel is over, whichever way. */
    void removed(final MuxTunnel tunnel, final MuxTunnel.State was) {
        leftPending(tunnel);
        if (was == MuxTunnel.State.WAITING) {
            unqueue(tunnel);
        }
        if (live.remove(tunnel)) {
            counter(tunnelsByClient, tunnel.client().name()).decrementAndGet();
        }
    }

    /** Tunnels of this client the router holds (mux and joined), for the registry's own limit. */
    public int tunnelsOfClient(final String client) {
        final AtomicInteger count = tunnelsByClient.get(client);
        return count == null ? 0 : count.get();
    }

    private static AtomicInteger counter(final Map<String, AtomicInteger> counters, final String name) {
        return counters.computeIfAbsent(name, k -> new AtomicInteger());
    }

    // ---- maintenance

    private void sweep() {
        final RelayConfig cfg = config.get();
        if (cfg == null) {
            return;
        }
        final long now = System.nanoTime();
        final long peerTimeout = cfg.mux().peerTimeout().toNanos();
        for (final MuxConnection c : connections) {
            try {
                c.checkTimeouts(now, peerTimeout);
            } catch (final RuntimeException e) {
                LOG.log(Level.WARNING, "checking " + c + " failed", e);
            }
        }
        final Classic other = classic;
        if (other != null) {
            other.tick(now);
        }
    }

    /** A new configuration: connections of removed or re-keyed principals close, tunnels no longer allowed end. */
    public void configChanged(final RelayConfig next) {
        for (final MuxConnection c : connections) {
            if (!next.stillValid(c.principal())) {
                c.close(CloseCodes.POLICY_VIOLATION, "configuration changed: key removed or replaced");
            }
        }
        for (final MuxTunnel t : live) {
            final Side server = t.serverSide();
            final Principal serverPrincipal = server == null ? null : server.principal();
            if (!next.stillValid(t.client()) || !next.allows(t.client(), t.target().server(), t.target().port())
                    || (serverPrincipal != null && !next.stillValid(serverPrincipal))) {
                t.abort("configuration changed: key or permission removed");
            }
        }
    }

    public int liveTunnels() {
        return live.size();
    }

    public int connections() {
        return connections.size();
    }

    /** Connections of server proxies, or of client proxies, open now. */
    public int connections(final boolean servers) {
        int n = 0;
        for (final MuxConnection c : connections) {
            if ((c.role() == MuxConnection.Role.SERVER) == servers) {
                n++;
            }
        }
        return n;
    }

    /** For each server, the ports its connections listen on now, and by how many connections. */
    public Map<String, Map<String, Integer>> listenersByPort() {
        final Map<String, Map<String, Integer>> result = new java.util.TreeMap<>();
        serverConnections.forEach((server, list) -> {
            for (final MuxConnection c : list) {
                for (final String port : c.ports()) {
                    if (c.serves(port)) {
                        result.computeIfAbsent(server, k -> new java.util.TreeMap<>()).merge(port, 1, Integer::sum);
                    }
                }
            }
        });
        return result;
    }

    public long bufferedBytes() {
        return budget.used();
    }

    /**
     * The web application is stopping: every connection hears GOAWAY (its proxy moves new tunnels to
     * another connection), new connections and tunnels are refused with 503 "relay stopping", and a
     * tunnel still waiting for its server is refused so; open tunnels go on until {@link #shutdown()}.
     */
    public void drain() {
        stopping = true;
        for (final MuxConnection c : connections) {
            c.goaway(Refusal.STOPPING.reason());
        }
        for (final MuxTunnel t : new ArrayList<>(live)) {
            if (t.state() == MuxTunnel.State.WAITING) {
                t.refuse(Refusal.STOPPING);
            }
        }
    }

    /**
     * After {@link #drain()} and its grace: every tunnel left is aborted, every connection closed
     * (1001) once what is queued for it is written (the last tunnels' END and ABORT frames) and its
     * socket let go once the proxy answered the close; after {@link #CLOSE_WAIT_MILLIS} a connection
     * whose proxy reads nothing or does not answer is cut.
     */
    public void shutdown() {
        if (!stopping) {
            drain();
        }
        for (final MuxTunnel t : new ArrayList<>(live)) {
            t.abort("relay stopping");
        }
        final List<MuxConnection> open = new ArrayList<>(connections);
        for (final MuxConnection c : open) {
            c.closeOnceWritten(CloseCodes.GOING_AWAY, "relay stopping");
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
        try {
            while (open.stream().anyMatch(c -> !c.isReleased()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (final MuxConnection c : open) {
            c.close(CloseCodes.GOING_AWAY, "relay stopping");
            if (!c.isReleased()) {
                c.cut();
            }
        }
    }
}
