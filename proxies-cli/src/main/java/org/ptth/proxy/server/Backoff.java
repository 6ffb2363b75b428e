package org.ptth.proxy.server;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: each wait is random between zero and a ceiling that
 * doubles from 0.5 s to 30 s, so that many pollers that failed together do not return together.
 */
final class Backoff {

    static final long FIRST_CEILING_MILLIS = 500;
    static final long MAX_CEILING_MILLIS = 30_000;

    private long ceiling = FIRST_CEILING_MILLIS;

    /** The next wait, at least {@code floorMillis} (a Retry-After), and never above the cap. */
    long nextDelayMillis(final long floorMillis) {
        final long delay = ThreadLocalRandom.current().nextLong(ceiling + 1);
        ceiling = Math.min(MAX_CEILING_MILLIS, ceiling * 2);
        return Math.min(MAX_CEILING_MILLIS, Math.max(delay, floorMillis));
    }

    void reset() {
        ceiling = FIRST_CEILING_MILLIS;
    }
}
