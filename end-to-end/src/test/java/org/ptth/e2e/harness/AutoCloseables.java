package org.ptth.e2e.harness;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** What a test started, closed in the reverse order by {@link #closeAll()}, which tries every one. */
public final class AutoCloseables {

    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    /** Remembers {@code c} for {@link #closeAll()} and returns it. */
    public synchronized <T extends AutoCloseable> T add(final T c) {
        started.push(c);
        return c;
    }

    /** Closes everything, last started first; throws at the end if any close failed. */
    public void closeAll() {
        final List<Throwable> failures = new ArrayList<>();
        for (AutoCloseable c; (c = next()) != null; ) {
            try {
                c.close();
            } catch (final Exception | Error e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            final AssertionError e = new AssertionError("closing what the test started failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private synchronized AutoCloseable next() {
        return started.poll();
    }
}
