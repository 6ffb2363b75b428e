package org.ptth.relay.registry;

import org.ptth.protocol.Headers;
import org.ptth.protocol.Refusal;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.metrics.Limit;
import org.ptth.relay.metrics.RelayEvents;
import org.ptth.relay.pump.BufferBudget;
import org.ptth.relay.pump.Exchange;
import org.ptth.relay.timing.Timers;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Every live tunnel and parked poll of this relay. The relay keeps this state in memory only: one
 * server's calls must all reach the same relay.
 */
public final class TunnelRegistry {

    /** Starts the async exchange of a call, once the registry has agreed to take it. */
    @FunctionalInterface
    public interface ExchangeStarter {
        Exchange start();
    }

    private final Supplier<RelayConfig> config;
    private final Timers timers;
    /** What the splices of all tunnels may hold beyond their first buffers (buffer.max). */
    private final BufferBudget buffers;
    private final Map<String, Tunnel> byId = new ConcurrentHashMap<>();
    private final Set<Tunnel> live = ConcurrentHashMap.newKeySet();
    private final Map<PortKey, PortQueue> ports = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> pollsByServer = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> pendingByServer = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> tunnelsByClient = new ConcurrentHashMap<>();
    private final Set<Tunnel> pending = ConcurrentHashMap.newKeySet();
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
    }

    /** Where calls for joined tunnels go (see {@link Joins}); set once, at start. */
    public void join(final Joins other) {
        this.joins = other;
    }

    /** Where the tunnels' events go (the metrics); set once, at start. */
    public void meter(final RelayEvents metrics) {
        this.events = metrics;
    }

    RelayEvents events() {
        return events;
    }

    ScheduledFuture<?> after(final long nanos, final Runnable task) {
        return timers.after(nanos, task);
    }

    // ---- server side

    /** A server's long poll: answered at once if a client waits, else parked until one comes or it times out. */
    public void listen(final Principal server, final String port, final ExchangeStarter starter) throws RelayException {
        final RelayConfig cfg = config.get();
        final AtomicInteger polls = pollsByServer.computeIfAbsent(server.name(), k -> new AtomicInteger());
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
            if (unpark(key, ex)) {
                ex.finish(204);
            }
        });
        if (joins.offerPoll(server, port, poll)) {
            return;
        }
        final Tunnel waiting = parkOrTake(key, poll);
        if (waiting != null) {
            offer(waiting, poll);
            return;
        }
        if (!config.get().stillValid(server) && unpark(key, poll)) {
            // A reload came between this call's authentication and now, and missed this poll.
            poll.answer(Refusal.UNKNOWN_KEY.status(), Refusal.UNKNOWN_KEY.reason(), false);
            return;
        }
        after(cfg.timeouts().listen().toNanos(), () -> {
            if (unpark(key, poll)) {
                poll.finish(204);
            }
        });
        if (stopped && unpark(key, poll)) {
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
        final Tunnel t = tunnelOfServer(server, id);
        if (t.state() != Tunnel.State.OFFERED) {
            throw RelayException.conflict("connection id already accepted or closed");
        }
        // Both streams come right after the accept; three accept timeouts is plenty of margin.
        t.open(server, starter, duplex, 3 * config.get().timeouts().accept().toNanos());
    }

    /** Fails early, before the reason is read, when the ID cannot be refused by this server. */
    public void checkRefusable(final Principal server, final String id) throws RelayException {
        final Joins.Calls joined = joins.calls(id);
        if (joined != null) {
            joined.checkRefusable(server);
            return;
        }
        if (tunnelOfServer(server, id).state() != Tunnel.State.OFFERED) {
            throw RelayException.conflict("connection id already accepted or closed");
        }
    }

    public void refuse(final Principal server, final String id, final String reason) throws RelayException {
        final Joins.Calls joined = joins.calls(id);
        if (joined != null) {
            joined.refuse(server, reason);
            return;
        }
        checkRefusable(server, id);
        final Tunnel t = tunnelOfServer(server, id);
        final String why = Refusal.TARGET_REFUSED.reason(reason);
        t.refuse(Refusal.TARGET_REFUSED.status(), why, why);
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
        final Tunnel t = byId.get(id);
        if (t == null || !t.target().server().equals(server.name()) || !id.equals(t.id())) {
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
        if (live.size() + joins.liveTunnels() >= cfg.limits().tunnels()) {
            throw refusedAtLimit(Limit.TUNNELS, client, server, port, duplex,
                    RelayException.unavailable("relay at its tunnel limit", 5));
        }
        final AtomicInteger mine = tunnelsByClient.computeIfAbsent(client.name(), k -> new AtomicInteger());
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
        final Exchange exchange;
        try {
            exchange = starter.start();
        } catch (final RuntimeException e) {
            waiting.decrementAndGet();
            mine.decrementAndGet();
            throw e;
        }
        final Tunnel t = new Tunnel(this, new PortKey(server, port), client, exchange, duplex,
                cfg.timeouts().connectWait().toNanos());
        if (allowed) {
            pending.add(t);
        }
        live.add(t);
        if (t.state() == Tunnel.State.CLOSED) {
            // Ended while it was being registered (its client went away): what removed() found
            // nothing of then, it finds now.
            removed(t);
            return;
        }
        if (!config.get().stillValid(client)) {
            // A reload came between this call's authentication and now, and missed this tunnel.
            t.refuse(Refusal.UNKNOWN_KEY, "configuration changed: key removed");
            return;
        }
        if (!allowed) {
            t.replaceTimer(after(cfg.timeouts().connectWait().toNanos(),
                    () -> t.refuse(Refusal.NOT_ONLINE, "target not allowed for this client")));
            return;
        }
        t.replaceTimer(after(cfg.timeouts().connectWait().toNanos(), () -> expireWaiting(t)));
        enqueue(t, false);
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
        final Tunnel t = byId.get(id);
        if (t == null || !t.client().equals(client) || !t.target().server().equals(server) || !id.equals(t.id())) {
            throw RelayException.conflict("unknown connection id");
        }
        t.attachUpstream(starter, segment);
    }

    /**
     * The newest listen poll parked for this port, taken out of the queue for a joined tunnel; null
     * when none is parked. The caller answers it, or gives it back with {@link #parkAgain}.
     */
    public Exchange takeParkedPoll(final String server, final String port) {
        final PortKey key = new PortKey(server, port);
        return ports.containsKey(key) ? inQueue(key, PortQueue::takeNewestPoll) : null;
    }

    /** A poll taken with {@link #takeParkedPoll} and not used: parked again, or given to a connect that waits. */
    public void parkAgain(final String server, final String port, final Exchange poll) {
        if (!poll.isCompleted()) {
            requeuePoll(new PortKey(server, port), poll);
        }
    }

    /** A connect handed over to another transport: who made it, its call, and until when it may wait. */
    public record Handover(Principal client, String address, Exchange connect, boolean duplex, boolean flowControl,
                           long deadlineNanos) {
    }

    /**
     * The connects that wait for a listen poll of this port, oldest first, taken out for a mux server
     * connection that now listens on it: the registry forgets them, their new owner answers them.
     */
    public java.util.List<Handover> takeWaitingConnects(final String server, final String port) {
        final PortKey key = new PortKey(server, port);
        final java.util.List<Handover> taken = new java.util.ArrayList<>();
        while (ports.containsKey(key)) {
            final Tunnel t = inQueue(key, PortQueue::takeWaiting);
            if (t == null) {
                break;
            }
            if (t.handOver()) {
                removed(t);
                taken.add(new Handover(t.client(), t.clientAddress(), t.connect(), t.connectDuplex(),
                        t.connectFlowControl(), t.connectDeadlineNanos()));
            }
        }
        return taken;
    }

    /** Classic tunnels of this client live now. */
    public int tunnelsOfClient(final String client) {
        final AtomicInteger count = tunnelsByClient.get(client);
        return count == null ? 0 : count.get();
    }

    // ---- offers

    private void enqueue(final Tunnel t, final boolean front) {
        final Exchange poll = inQueue(t.target(), queue -> queue.queueOrTake(t, front));
        if (poll != null) {
            offer(t, poll);
        }
    }

    /** Hands a waiting connect to a poll under a new ID, and gives the server proxy a while to accept. */
    private void offer(final Tunnel t, final Exchange poll) {
        final String id = ConnectionIds.next();
        // In the map before the tunnel carries the ID: a tunnel that ends from here on removes it.
        byId.put(id, t);
        if (!t.offer(id)) {
            // Closed meanwhile; the poll goes back to wait for the next one.
            byId.remove(id, t);
            requeuePoll(t.target(), poll);
            return;
        }
        final long acceptNanos = config.get().timeouts().accept().toNanos();
        t.replaceTimer(after(acceptNanos, () -> withdraw(t, id)));
        if (!poll.answerText(Headers.CONNECTION_ID, id, id + "\n")) {
            // A poll whose server proxy is gone: try the next one at once.
            withdraw(t, id);
        }
    }

    private void requeuePoll(final PortKey key, final Exchange poll) {
        final Tunnel next = parkOrTake(key, poll);
        if (next != null) {
            offer(next, poll);
        }
    }

    /** The offered poll went unanswered: its server proxy may be gone, so offer to another poll. */
    private void withdraw(final Tunnel t, final String id) {
        if (!id.equals(t.id()) || !t.withdrawOffer()) {
            return;
        }
        byId.remove(id, t);
        if (t.connectDeadlinePassed()) {
            t.refuse(Refusal.NO_ACCEPT_IN_TIME, "no accept in time");
            return;
        }
        t.replaceTimer(after(t.connectDeadlineNanos() - System.nanoTime(), () -> expireWaiting(t)));
        enqueue(t, true);
    }

    private void expireWaiting(final Tunnel t) {
        if (t.state() != Tunnel.State.WAITING || !unqueue(t)) {
            return;
        }
        if (t.wasOffered()) {
            t.refuse(Refusal.NO_ACCEPT_IN_TIME, "no accept in time");
        } else {
            t.refuse(Refusal.NOT_ONLINE, "no listener within the connect wait");
        }
    }

    /**
     * Runs one step on the queue of a port, made if there is none, and forgets the queue once it is
     * empty: port names come from callers, and a map that kept every name ever named would grow
     * without end. Each step runs inside the map's own update of that key, so that no step can
     * reach a queue just forgotten.
     */
    private <T> T inQueue(final PortKey key, final Function<PortQueue, T> step) {
        final AtomicReference<T> result = new AtomicReference<>();
        ports.compute(key, (k, existing) -> {
            final PortQueue queue = existing == null ? new PortQueue() : existing;
            result.set(step.apply(queue));
            return queue.isEmpty() ? null : queue;
        });
        return result.get();
    }

    private Tunnel parkOrTake(final PortKey key, final Exchange poll) {
        return inQueue(key, queue -> queue.parkOrTake(poll));
    }

    /** True when the poll was still parked, and so is now the caller's to answer. */
    private boolean unpark(final PortKey key, final Exchange poll) {
        return ports.containsKey(key) && inQueue(key, queue -> queue.unpark(poll));
    }

    private boolean unqueue(final Tunnel t) {
        return ports.containsKey(t.target()) && inQueue(t.target(), queue -> queue.unqueue(t));
    }

    // ---- bookkeeping called by tunnels

    void leftPending(final Tunnel t) {
        if (pending.remove(t)) {
            counter(pendingByServer, t.target().server()).decrementAndGet();
        }
    }

    void removed(final Tunnel t) {
        leftPending(t);
        unqueue(t);
        final String id = t.id();
        if (id != null) {
            byId.remove(id, t);
        }
        if (live.remove(t) && t.releaseOnce()) {
            counter(tunnelsByClient, t.client().name()).decrementAndGet();
        }
    }

    private static AtomicInteger counter(final Map<String, AtomicInteger> counters, final String name) {
        return counters.computeIfAbsent(name, k -> new AtomicInteger());
    }

    // ---- maintenance

    /** Quiet this long, a tunnel gives back the buffers that bulk data made it grow. */
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Ends tunnels that moved no byte for the idle timeout (a peer gone without a word). */
    public void reapIdle() {
        final long idle = config.get().timeouts().idle().toNanos();
        for (final Tunnel t : live) {
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
        for (final Map.Entry<PortKey, PortQueue> port : ports.entrySet()) {
            for (final Exchange poll : port.getValue().parked()) {
                final Principal owner = pollOwners.get(poll);
                if (owner != null && !next.stillValid(owner) && unpark(port.getKey(), poll)) {
                    poll.answer(Refusal.UNKNOWN_KEY.status(), Refusal.UNKNOWN_KEY.reason(), false);
                }
            }
        }
        for (final Tunnel t : live) {
            final Principal server = t.server();
            if (!next.stillValid(t.client()) || (server != null && !next.stillValid(server))
                    || !next.allows(t.client(), t.target().server(), t.target().port())) {
                t.abort("configuration changed: key or permission removed");
            }
        }
    }

    BufferBudget buffers() {
        return buffers;
    }

    /** The bytes the tunnels' buffers hold beyond their first 8 KiB per direction, against buffer.max. */
    public long bufferedBytes() {
        return buffers.used();
    }

    public int liveTunnels() {
        return live.size();
    }

    /** The ports that have a parked poll or a waiting connect now. */
    public int activePorts() {
        return ports.size();
    }

    /** For each server, the ports with parked listen polls now, and how many. */
    public Map<String, Map<String, Integer>> parkedPollsByPort() {
        final Map<String, Map<String, Integer>> result = new java.util.TreeMap<>();
        ports.forEach((key, queue) -> {
            final int n = queue.parkedPolls();
            if (n > 0) {
                result.computeIfAbsent(key.server(), k -> new java.util.TreeMap<>()).merge(key.port(), n, Integer::sum);
            }
        });
        return result;
    }

    public int parkedPolls() {
        return ports.values().stream().mapToInt(PortQueue::parkedPolls).sum();
    }

    /**
     * The web application is stopping: new listen polls and connects get 503 "relay stopping" and
     * every parked poll is answered so; open tunnels go on until {@link #shutdown()}.
     */
    public void drain() {
        stopped = true;
        for (final PortQueue q : ports.values()) {
            for (final Exchange poll : q.drainPolls()) {
                poll.answer(Refusal.STOPPING.status(), Refusal.STOPPING.reason(), 1, false);
            }
        }
    }

    /** After {@link #drain()} and its grace: end every tunnel left. */
    public void shutdown() {
        drain();
        for (final Tunnel t : live) {
            t.abort("relay stopping");
        }
    }
}
