package org.ptth.relay.mux;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The bytes queued for every mux connection of the relay, against {@code mux.buffer.max}. Past it,
 * the relay holds back the credit receivers grant, so that senders stop once the credit they have
 * is used up; connections whose tunnels wait for that are woken when the total drops again.
 */
final class BufferBudget {
    private final AtomicLong queued = new AtomicLong();
    private final LongSupplier max;
    private final Set<MuxConnection> waiting = ConcurrentHashMap.newKeySet();

    BufferBudget(final LongSupplier max) {
        this.max = max;
    }

    void add(final long bytes) {
        queued.addAndGet(bytes);
    }

    /** Bytes left the relay; connections held back by the total hear of it once it is under the limit. */
    void release(final long bytes) {
        if (queued.addAndGet(-bytes) < max.getAsLong() && !waiting.isEmpty()) {
            for (final MuxConnection connection : Waiters.takeAll(waiting)) {
                connection.wake(); // may wait again: it is back in the set, for the next release
            }
        }
    }

    boolean over() {
        return queued.get() >= max.getAsLong();
    }

    long queued() {
        return queued.get();
    }

    /** The connection has tunnels holding credit back because of the total. */
    void waitFor(final MuxConnection connection) {
        waiting.add(connection);
        if (!over() && waiting.remove(connection)) {
            connection.wake();
        }
    }
}
