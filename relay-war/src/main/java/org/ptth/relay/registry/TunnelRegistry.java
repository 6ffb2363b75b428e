package org.ptth.relay.registry;

import org.ptth.protocol.Refusal;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.metrics.Limit;
import org.ptth.relay.metrics.RelayEvents;
import org.ptth.relay.pump.BufferBudget;
import org.ptth.relay.pump.Exchange;
import org.ptth.relay.timing.Timers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The four-stream and duplex calls of this relay: admits each listen poll and connect against the
 * limits, finds a tunnel by its connection ID for the calls that name one, ends tunnels gone idle
 * and those a reload no longer allows. What becomes of a tunnel is its own ({@link Tunnel}); where
 * polls and connects wait is {@link Ports}. The relay keeps this state in memory only: one server's
 * calls must all reach the same relay.
 */
public final class TunnelRegistry {
    /** Starts the async exchange of a call, once the registry has agreed to take it. */
    @FunctionalInterface
    public interface ExchangeStarter {
        Exchange start();
    }

    /** A connect handed over to another transport: who made it, its call, and until when it may wait. */
    public record Handover(Principal client, String address, Exchange connect, boolean duplex, boolean flowControl,
                           long deadlineNanos) {
    }

    /** Quiet this long, a tunnel gives back the buffers that bulk data made it grow. */
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final Supplier<RelayConfig> config;
    private final Timers timers;
    private final TunnelContext shared;
    private final Ports ports = new Ports();
    private final TunnelIndex index = new TunnelIndex();
    /** What the splices of all tunnels may hold beyond their first buffers (buffer.max). */
    private final BufferBudget buffers;
    private final Map<String, AtomicInteger> pollsByServer = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> pendingByServer = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> tunnelsByClient = new ConcurrentHashMap<>();
    /** Who made each poll not yet completed: a reload ends the parked polls of a key gone. */
    private final Map<Exchange, Principal> pollOwners = new ConcurrentHashMap<>();
    private volatile boolean stopped;
    /** The tunnels of the multiplexed transport whose proxy on one side uses these calls. */
    private volatile Joins joins = Joins.NONE;
    private volatile RelayEvents events = RelayEvents.NONE;

    public TunnelRegistry(final Supplier<RelayConfig> config, final Timers timers) {
        this.config = config;
        this.timers = timers;
        this.buffers = new BufferBudget(() -> {
            final RelayConfig now = config.get();
            return now == null ? RelayConfig.Mux.defaultBufferMax() : now.limits().bufferMax();
        });
        this.shared = new TunnelContext(config, timers, ports, index, buffers, () -> events);
    }

    /** Where calls for joined tunnels go (see {@link Joins}); set once, at start. */
    public void join(final Joins other) {
        this.joins = other;
    }

    /** Where the tunnels' events go (the metrics); set once, at start. */
    public void meter(final RelayEvents metrics) {
        this.events = metrics;
    }

    // ---- server side

    /** A server's long poll: answered at once if a client waits, else parked until one comes or it times out. */
    public void listen(final Principal server, final String port, final ExchangeStarter starter) throws RelayException {
        final RelayConfig cfg = config.get();
        final AtomicInteger polls = counter(pollsByServer, server.name());
        if (polls.incrementAndGet() > cfg.limits().listensPerServer()) {
            polls.decrementAndGet();
            events.limitReached(Limit.LISTENS_PER_SERVER);
            throw new RelayException(Refusal.CALLER_LIMIT.status(), "too many listen polls for server " + server.name(), 5);
        }
        final Exchange poll;
        try {
            poll = starter.start();
        } catch (final RuntimeException e) {
            polls.decrementAndGet();
            throw e;
        }
        pollOwners.put(poll, server);
        poll.whenCompleted(() -> {
            polls.decrementAndGet();
            pollOwners.remove(poll);
        });
        final PortKey key = new PortKey(server.name(), port);
        poll.onFailure((ex, why) -> {
            if (ports.unpark(key, ex)) {
                ex.finish(204);
            }
        });
        if (joins.offerPoll(server, port, poll) || !ports.meet(key, poll)) {
            return; // a tunnel took it
        }
        if (!config.get().stillValid(server) && ports.unpark(key, poll)) {
            // A reload came between this call's authentication and now, and missed this poll.
            poll.answer(Refusal.UNKNOWN_KEY.status(), Refusal.UNKNOWN_KEY.reason(), false);
            return;
        }
        timers.after(cfg.timeouts().listen().toNanos(), () -> {
            if (ports.unpark(key, poll)) {
                poll.finish(204);
            }
        });
        if (stopped && ports.unpark(key, poll)) {
            poll.answer(Refusal.STOPPING.status(), Refusal.STOPPING.reason(), 1, false);
        }
    }

    public void accept(final Principal server, final String id, final boolean duplex, final ExchangeStarter starter)
            throws RelayException {
        final Joins.Calls joined = joins.calls(id);
        if (joined != null) {
            joined.accept(server, duplex, starter);
            return;
        }
        tunnelOfServer(server, id).open(server, starter, duplex);
    }

    /** Fails early, before the reason is read, when the ID cannot be refused by this server. */
    public void checkRefusable(final Principal server, final String id) throws RelayException {
        final Joins.Calls joined = joins.calls(id);
        if (joined != null) {
            joined.checkRefusable(server);
            return;
        }
        tunnelOfServer(server, id).checkRefusable();
    }

    public void refuse(final Principal server, final String id, final String reason) throws RelayException {
        final Joins.Calls joined = joins.calls(id);
        if (joined != null) {
            joined.refuse(server, reason);
            return;
        }
        final Tunnel t = tunnelOfServer(server, id);
        t.checkRefusable();
        t.refusedByServer(reason);
    }

    public void downstream(final Principal server, final String id, final Segment segment,
                           final ExchangeStarter starter) throws RelayException {
        final Joins.Calls joined = joins.calls(id);
        if (joined != null) {
            joined.downstream(server, segment, starter);
            return;
        }
        tunnelOfServer(server, id).attachDownstream(starter, segment);
    }

    private Tunnel tunnelOfServer(final Principal server, final String id) throws RelayException {
        final Tunnel t = index.get(id);
        if (t == null || !t.target().server().equals(server.name())) {
            throw RelayException.conflict("unknown connection id");
        }
        return t;
    }

    // ---- client side

    public void connect(final Principal client, final String server, final String port, final boolean duplex,
                        final ExchangeStarter starter) throws RelayException {
        final RelayConfig cfg = config.get();
        // A target the client may not reach is answered like an offline one, after the same wait and
        // with the same headers, so that neither the answer nor its timing tells which names exist.
        final boolean allowed = cfg.allows(client, server, port);
        if (stopped) {
            throw RelayException.unavailable("relay stopping", 1);
        }
        if (allowed && joins.serves(server, port)) {
            joins.connect(client, server, port, duplex, starter);
            return;
        }
        if (index.size() + joins.liveTunnels() >= cfg.limits().tunnels()) {
            throw refusedAtLimit(Limit.TUNNELS, client, server, port, duplex,
                    RelayException.unavailable("relay at its tunnel limit", 5));
        }
        final AtomicInteger mine = counter(tunnelsByClient, client.name());
        if (mine.incrementAndGet() + joins.tunnelsOfClient(client.name()) > cfg.limits().tunnelsPerClient()) {
            mine.decrementAndGet();
            throw refusedAtLimit(Limit.TUNNELS_PER_CLIENT, client, server, port, duplex,
                    new RelayException(Refusal.CALLER_LIMIT.status(), "too many tunnels for client " + client.name(), 5));
        }
        // Only configured targets get a counter, so that probing made-up names grows no map.
        final AtomicInteger waiting = allowed ? counter(pendingByServer, server) : new AtomicInteger();
        if (waiting.incrementAndGet() > cfg.limits().pendingConnectsPerServer()) {
            waiting.decrementAndGet();
            mine.decrementAndGet();
            throw refusedAtLimit(Limit.PENDING_CONNECTS_PER_SERVER, client, server, port, duplex,
                    new RelayException(Refusal.RELAY_LIMIT.status(), "too many pending connects for server " + server, 2));
        }
        final Admission admission = new Admission(mine, waiting);
        final Exchange exchange;
        try {
            exchange = starter.start();
        } catch (final RuntimeException e) {
            admission.release();
            throw e;
        }
        final Tunnel t = new Tunnel(shared, new PortKey(server, port), client, exchange, duplex, admission);
        index.add(t);
        t.start(allowed);
    }

    private RelayException refusedAtLimit(final Limit limit, final Principal client, final String server,
                                          final String port, final boolean duplex, final RelayException answer) {
        events.limitReached(limit);
        events.refused(client.name(), "-", server, port, duplex ? "duplex" : "four-stream", answer.status(),
                answer.getMessage());
        return answer;
    }

    public void upstream(final Principal client, final String server, final String id, final Segment segment,
                         final ExchangeStarter starter) throws RelayException {
        final Joins.Calls joined = joins.calls(id);
        if (joined != null) {
            joined.upstream(client, server, segment, starter);
            return;
        }
        final Tunnel t = index.get(id);
        if (t == null || !t.client().equals(client) || !t.target().server().equals(server)) {
            throw RelayException.conflict("unknown connection id");
        }
        t.attachUpstream(starter, segment);
    }

    // ---- what the multiplexed transport takes over

    /**
     * The newest listen poll parked for this port, taken out of the queue for a joined tunnel; null
     * when none is parked. The caller answers it, or gives it back with {@link #parkAgain}.
     */
    public Exchange takeParkedPoll(final String server, final String port) {
        return ports.takeNewestPoll(new PortKey(server, port));
    }

    /** A poll taken with {@link #takeParkedPoll} and not used: parked again, or given to a connect that waits. */
    public void parkAgain(final String server, final String port, final Exchange poll) {
        if (!poll.isCompleted()) {
            ports.meet(new PortKey(server, port), poll);
        }
    }

    /**
     * The connects that wait for a listen poll of this port, oldest first, taken out for a mux server
     * connection that now listens on it: the registry forgets them, their new owner answers them.
     */
    public List<Handover> takeWaitingConnects(final String server, final String port) {
        final PortKey key = new PortKey(server, port);
        final List<Handover> taken = new ArrayList<>();
        for (Tunnel t = ports.takeWaiting(key); t != null; t = ports.takeWaiting(key)) {
            final Handover handover = t.handOver();
            if (handover != null) {
                taken.add(handover);
            }
        }
        return taken;
    }

    /** Classic tunnels of this client live now. */
    public int tunnelsOfClient(final String client) {
        final AtomicInteger count = tunnelsByClient.get(client);
        return count == null ? 0 : count.get();
    }

    private static AtomicInteger counter(final Map<String, AtomicInteger> counters, final String name) {
        return counters.computeIfAbsent(name, k -> new AtomicInteger());
    }

    // ---- maintenance

    /** Ends tunnels that moved no byte for the idle timeout (a peer gone without a word). */
    public void reapIdle() {
        final long idle = config.get().timeouts().idle().toNanos();
        for (final Tunnel t : index.live()) {
            if (t.state() != Tunnel.State.OPEN) {
                continue;
            }
            final long quiet = t.idleNanos();
            if (quiet > idle) {
                t.abort("idle for more than " + config.get().timeouts().idle().toSeconds() + " s ("
                        + t.directionStates() + ")");
            } else if (quiet > QUIET_NANOS) {
                t.trimBuffers();
            }
        }
    }

    /** A new configuration: tunnels and parked polls of removed or re-keyed principals end now. */
    public void configChanged(final RelayConfig next) {
        ports.forEachParked((key, poll) -> {
            final Principal owner = pollOwners.get(poll);
            if (owner != null && !next.stillValid(owner) && ports.unpark(key, poll)) {
                poll.answer(Refusal.UNKNOWN_KEY.status(), Refusal.UNKNOWN_KEY.reason(), false);
            }
        });
        for (final Tunnel t : index.live()) {
            final Principal server = t.server();
            if (!next.stillValid(t.client()) || (server != null && !next.stillValid(server))
                    || !next.allows(t.client(), t.target().server(), t.target().port())) {
                t.abort("configuration changed: key or permission removed");
            }
        }
    }

    /** The bytes the tunnels' buffers hold beyond their first 8 KiB per direction, against buffer.max. */
    public long bufferedBytes() {
        return buffers.used();
    }

    public int liveTunnels() {
        return index.size();
    }

    /** The ports that have a parked poll or a waiting connect now. */
    public int activePorts() {
        return ports.size();
    }

    /** For each server, the ports with parked listen polls now, and how many. */
    public Map<String, Map<String, Integer>> parkedPollsByPort() {
        return ports.parkedPollsByPort();
    }

    public int parkedPolls() {
        return ports.parkedPolls();
    }

    /**
     * The web application is stopping: new listen polls and connects get 503 "relay stopping" and
     * every parked poll is answered so; open tunnels go on until {@link #shutdown()}.
     */
    public void drain() {
        stopped = true;
        for (final Exchange poll : ports.takeAllPolls()) {
            poll.answer(Refusal.STOPPING.status(), Refusal.STOPPING.reason(), 1, false);
        }
    }

    /** After {@link #drain()} and its grace: end every tunnel left. */
    public void shutdown() {
        drain();
        for (final Tunnel t : index.live()) {
            t.abort("relay stopping");
        }
    }
}
