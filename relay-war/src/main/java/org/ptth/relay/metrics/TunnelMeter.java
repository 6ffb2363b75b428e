package org.ptth.relay.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One open tunnel as the metrics see it: who, where, since when, and how much of its bytes the
 * byte counters already hold. Made when the tunnel opens, handed back when it closes; its bytes
 * are added to the counters every sampling tick and at the close, whichever comes first taking
 * the larger count, so that nothing is counted twice.
 */
public final class TunnelMeter {
    final String client;
    final String clientAddress;
    final String server;
    final String port;
    final String transport;
    final String serverLabel;
    final long startNanos;
    final long openedNanos;
    final long openedMillis;
    final ByteCounts bytes;
    private final AtomicLong countedUp = new AtomicLong();
    private final AtomicLong countedDown = new AtomicLong();
    /** The sampler's own: bytes and time at its last look, and the rates it saw then. */
    long sampledUp;
    long sampledDown;
    long sampledNanos;
    volatile double upRate;
    volatile double downRate;

    TunnelMeter(final String client, final String clientAddress, final String server, final String port,
                final String transport, final String serverLabel, final long startNanos, final ByteCounts bytes) {
        this.client = client;
        this.clientAddress = clientAddress;
        this.server = server;
        this.port = port;
        this.transport = transport;
        this.serverLabel = serverLabel;
        this.startNanos = startNanos;
        this.openedNanos = System.nanoTime();
        this.openedMillis = System.currentTimeMillis();
        this.bytes = bytes;
        this.sampledNanos = openedNanos;
    }

    /** The bytes not yet counted, client to server, given that {@code now} have moved. */
    long uncountedUp(final long now) {
        return Math.max(0, now - countedUp.getAndAccumulate(now, Math::max));
    }

    long uncountedDown(final long now) {
        return Math.max(0, now - countedDown.getAndAccumulate(now, Math::max));
    }
}
