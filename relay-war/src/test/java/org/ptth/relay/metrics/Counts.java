package org.ptth.relay.metrics;

/** A tunnel's byte counts, moved by the test. */
final class Counts implements ByteCounts {
    volatile long up;
    volatile long down;

    @Override
    public long upBytes() {
        return up;
    }

    @Override
    public long downBytes() {
        return down;
    }
}
