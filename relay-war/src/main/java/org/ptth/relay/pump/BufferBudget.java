package org.ptth.relay.pump;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The bytes a transport holds for all its tunnels together, against one limit (read at each use:
 * a reload may change it). The classic transport's splices take from it to grow their buffers under
 * bulk data, only while it has room: at the limit a splice keeps the buffer it has, so every tunnel
 * goes on moving its bytes, in smaller steps; grown buffers give their bytes back when trimmed or
 * done. The mux connections count every queued byte in it, and past the limit hold back the credit
 * their receivers grant, so that senders stop; those connections wait for the total to drop again.
 */
public final class BufferBudget {
    /** A party that stopped because the total was over the limit. */
    public interface Waiter {
        /** The total dropped under the limit (the waiter may find it over again, and wait again). */
        void budgetAvailable();
    }

    private final AtomicLong used = new AtomicLong();
    private final LongSupplier max;
    private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();

    /** @param max the limit in bytes, read at each use */
    public BufferBudget(final LongSupplier max) {
        this.max = max;
    }

    /** No limit: for splices made outside a relay (tests). */
    public static BufferBudget unlimited() {
        return new BufferBudget(() -> Long.MAX_VALUE);
    }

    /** Takes {@code bytes} if they fit under the limit; false, and nothing taken, if not. */
    public boolean tryTake(final long bytes) {
        final long limit = max.getAsLong();
        while (true) {
            final long now = used.get();
            if (now + bytes > limit) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Counts {@code bytes} held already, whatever the limit: the holder asks {@link #over()} before adding more. */
    public void take(final long bytes) {
        used.addAndGet(bytes);
    }

    /** Bytes let go; the waiters hear of it once the total is under the limit. */
    public void giveBack(final long bytes) {
        if (used.addAndGet(-bytes) < max.getAsLong() && !waiting.isEmpty()) {
            for (final Waiter waiter : Waiters.takeAll(waiting)) {
                waiter.budgetAvailable(); // may wait again: it is back in the set, for the next release
            }
        }
    }

    public boolean over() {
        return used.get() >= max.getAsLong();
    }

    /** The bytes taken now. */
    public long used() {
        return used.get();
    }

    /** The waiter holds something back because of the total; it is called once the total is under the limit. */
    public void waitFor(final Waiter waiter) {
        waiting.add(waiter);
        if (!over() && waiting.remove(waiter)) {
            waiter.budgetAvailable();
        }
    }
}
