package org.ptth.relay.pump;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * How many bytes the splices of all tunnels together may hold beyond the first buffer of each
 * direction. A splice grows its buffer under bulk data only while the budget has room; at the limit
 * it keeps the buffer it has, so every tunnel goes on moving its bytes, in smaller steps. Grown
 * buffers give their bytes back when trimmed or done.
 */
public final class BufferBudget {
    private final AtomicLong used = new AtomicLong();
    private final LongSupplier max;

    /** @param max the limit in bytes, read at each growth (a reload may change it) */
    public BufferBudget(final LongSupplier max) {
        this.max = max;
    }

    /** No limit: for splices made outside a relay (tests). */
    public static BufferBudget unlimited() {
        return new BufferBudget(() -> Long.MAX_VALUE);
    }

    /** Takes {@code bytes} if they fit under the limit; false, and nothing taken, if not. */
    boolean tryTake(final long bytes) {
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

    void giveBack(final long bytes) {
        used.addAndGet(-bytes);
    }

    /** The bytes taken now. */
    public long used() {
        return used.get();
    }
}
