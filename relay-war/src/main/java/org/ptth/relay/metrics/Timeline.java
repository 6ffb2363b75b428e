package org.ptth.relay.metrics;

/** The last hour of samples for the status page's charts: tunnels open and bytes per second. */
public final class Timeline {
    /** One sample. */
    public record Point(long millis, int tunnels, double bytesPerSecond) {
    }

    private final Point[] ring;
    private int next;
    private int size;

    Timeline(final int capacity) {
        this.ring = new Point[capacity];
    }

    synchronized void add(final Point point) {
        ring[next] = point;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
    }

    /** Oldest first. */
    public synchronized Point[] points() {
        final Point[] out = new Point[size];
        for (int i = 0; i < size; i++) {
            out[i] = ring[(next - size + i + ring.length) % ring.length];
        }
        return out;
    }
}
