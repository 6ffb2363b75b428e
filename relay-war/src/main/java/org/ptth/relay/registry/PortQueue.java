package org.ptth.relay.registry;

import org.ptth.relay.pump.Exchange;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Where listen polls and connects meet for one port of one server: parked polls wait for
 * connects, connects wait for polls. Guarded by its own monitor; every method is short.
 */
final class PortQueue {
    private final Deque<Exchange> polls = new ArrayDeque<>();
    private final Deque<Tunnel> waiting = new ArrayDeque<>();

    /** Parks a poll unless a connect is waiting, which is then returned for this poll to take. */
    synchronized Tunnel parkOrTake(final Exchange poll) {
        final Tunnel t = waiting.pollFirst();
        if (t == null) {
            polls.addLast(poll);
        }
        return t;
    }

    /**
     * Queues a connect unless a poll is parked, which is then returned to carry the offer. The newest
     * poll goes first: a poll whose server proxy went away (restarted, say) stays parked, unnoticed,
     * until its listen timeout, and it is always among the oldest.
     */
    synchronized Exchange queueOrTake(final Tunnel tunnel, final boolean front) {
        final Exchange poll = polls.pollLast();
        if (poll == null) {
            if (front) {
                waiting.addFirst(tunnel);
            } else {
                waiting.addLast(tunnel);
            }
        }
        return poll;
    }

    /** The newest parked poll, taken out (see {@link #queueOrTake} for why the newest); null when none is parked. */
    synchronized Exchange takeNewestPoll() {
        return polls.pollLast();
    }

    /** The connect that waits longest, taken out; null when none waits. */
    synchronized Tunnel takeWaiting() {
        return waiting.pollFirst();
    }

    /** True when the poll was still parked, and so is now the caller's to answer. */
    synchronized boolean unpark(final Exchange poll) {
        return polls.remove(poll);
    }

    synchronized boolean unqueue(final Tunnel tunnel) {
        return waiting.remove(tunnel);
    }

    synchronized boolean isEmpty() {
        return polls.isEmpty() && waiting.isEmpty();
    }

    synchronized int parkedPolls() {
        return polls.size();
    }

    synchronized int waitingConnects() {
        return waiting.size();
    }

    /** The polls parked now, for a look at each; taking one is still {@link #unpark}'s. */
    synchronized List<Exchange> parked() {
        return List.copyOf(polls);
    }

    synchronized Exchange[] drainPolls() {
        final Exchange[] all = polls.toArray(new Exchange[0]);
        polls.clear();
        return all;
    }
}
