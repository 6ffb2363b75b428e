package org.ptth.relay.registry;

import org.ptth.relay.pump.Exchange;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Where listen polls and connects meet: a {@link PortQueue} for each port of a server, made when a
 * poll or a connect first waits there and forgotten once it is empty, since port names come from
 * callers and a map that kept every name ever named would grow without end.
 */
final class Ports {
    private final Map<PortKey, PortQueue> queues = new ConcurrentHashMap<>();

    /**
     * A poll: handed to the connect that has waited longest, which offers itself on it, or parked
     * until a connect comes; true when it was parked.
     */
    boolean meet(final PortKey key, final Exchange poll) {
        while (true) {
            final Tunnel waiting = step(key, queue -> queue.parkOrTake(poll));
            if (waiting == null) {
                return true;
            }
            if (waiting.offer(poll)) {
                return false;
            }
            // that connect ended meanwhile: the next one
        }
    }

    /** A connect: queued (first in line when {@code front}) unless a poll is parked, which is returned, taken. */
    Exchange queueOrTake(final Tunnel t, final boolean front) {
        return step(t.target(), queue -> queue.queueOrTake(t, front));
    }

    /** True when the poll was still parked, and so is now the caller's to answer. */
    boolean unpark(final PortKey key, final Exchange poll) {
        return queues.containsKey(key) && step(key, queue -> queue.unpark(poll));
    }

    /** True when the connect was still queued, and so is now the caller's to end. */
    boolean unqueue(final Tunnel t) {
        return queues.containsKey(t.target()) && step(t.target(), queue -> queue.unqueue(t));
    }

    /** The newest poll parked for this port, taken out; null when none is. */
    Exchange takeNewestPoll(final PortKey key) {
        return queues.containsKey(key) ? step(key, PortQueue::takeNewestPoll) : null;
    }

    /** The connect that has waited longest for this port, taken out; null when none waits. */
    Tunnel takeWaiting(final PortKey key) {
        return queues.containsKey(key) ? step(key, PortQueue::takeWaiting) : null;
    }

    /** Every poll parked now, each with its port; taking one is still {@link #unpark}'s. */
    void forEachParked(final BiConsumer<PortKey, Exchange> action) {
        queues.forEach((key, queue) -> queue.parked().forEach(poll -> action.accept(key, poll)));
    }

    /** Every parked poll, taken out. */
    List<Exchange> takeAllPolls() {
        final List<Exchange> all = new ArrayList<>();
        for (final PortQueue queue : queues.values()) {
            all.addAll(List.of(queue.drainPolls()));
        }
        return all;
    }

    /** The ports that have a parked poll or a waiting connect now. */
    int size() {
        return queues.size();
    }

    int parkedPolls() {
        return queues.values().stream().mapToInt(PortQueue::parkedPolls).sum();
    }

    /** For each server, the ports with parked listen polls now, and how many. */
    Map<String, Map<String, Integer>> parkedPollsByPort() {
        final Map<String, Map<String, Integer>> result = new TreeMap<>();
        queues.forEach((key, queue) -> {
            final int n = queue.parkedPolls();
            if (n > 0) {
                result.computeIfAbsent(key.server(), k -> new TreeMap<>()).merge(key.port(), n, Integer::sum);
            }
        });
        return result;
    }

    /**
     * Runs one step on the queue of a port, made if there is none, inside the map's own update of
     * that key, so that no step can reach a queue just forgotten.
     */
    private <T> T step(final PortKey key, final Function<PortQueue, T> action) {
        final AtomicReference<T> result = new AtomicReference<>();
        queues.compute(key, (k, existing) -> {
            final PortQueue queue = existing == null ? new PortQueue() : existing;
            result.set(action.apply(queue));
            return queue.isEmpty() ? null : queue;
        });
        return result.get();
    }
}
