package org.ptth.e2e.harness;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling: every wait of the harness ends, with a message that says what it waited for. */
public final class Waits {

    private static final long POLL_MILLIS = 100;

    private Waits() {
    }

    /**
     * Polls {@code condition} until it holds, or throws an AssertionError after {@code timeout}.
     * {@code detail} is asked only on failure (a log tail, say).
     */
    public static void until(final String what, final Duration timeout, final BooleanSupplier condition,
            final Supplier<String> detail) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + (detail == null ? "" : "\n" + detail.get()));
            }
            sleep(POLL_MILLIS);
        }
    }

    public static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
