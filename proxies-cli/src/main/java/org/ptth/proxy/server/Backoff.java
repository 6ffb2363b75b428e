package org.ptth.proxy.server;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with equal jitter: each wait is random between half the ceiling and the
 * ceiling, which doubles from 0.5 s to 8 s. The jitter spreads pollers that failed together; the
 * low cap brings a server back within seconds of the relay's return (a few polls per port, every
 * 4 to 8 s, is no load for a relay).
 */
public final class Backoff {

    static final long FIRST_CEILING_MILLIS = 500;
    static final long MAX_CEILING_MILLIS = 8_000;

    private long ceiling = FIRST_CEILING_MILLIS;

    /** The next wait, at least {@code floorMillis} (a Retry-After), and never above the cap. */
    public long nextDelayMillis(final long floorMillis) {
        final long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        ceiling = Math.min(MAX_CEILING_MILLIS, ceiling * 2);
        return Math.min(MAX_CEILING_MILLIS, Math.max(delay, floorMillis));
    }

    public void reset() {
        ceiling = FIRST_CEILING_MILLIS;
    }
}
