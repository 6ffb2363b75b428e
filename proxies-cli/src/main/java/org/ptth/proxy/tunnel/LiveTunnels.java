package org.ptth.proxy.tunnel;

import org.ptth.proxy.metrics.ProxyMetrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The tunnels a terminator has open, so that a shutdown can let them finish and then end the rest. */
public final class LiveTunnels {

    private final Set<LiveTunnel> open = ConcurrentHashMap.newKeySet();

    public void add(final LiveTunnel tunnel) {
        open.add(tunnel);
        ProxyMetrics.instance().started();
        tunnel.outcome().whenComplete((outcome, failure) -> {
            open.remove(tunnel);
            ProxyMetrics.instance().ended(outcome);
            synchronized (this) {
                notifyAll();
            }
        });
    }

    public int count() {
        return open.size();
    }

    /**
     * Waits until every tunnel has ended or the grace period is over, then aborts those left.
     *
     * @return how many tunnels had to be cut
     */
    public int drain(final Duration grace) throws InterruptedException {
        final long deadline = System.nanoTime() + grace.toNanos();
        synchronized (this) {
            long left = deadline - System.nanoTime();
            while (!open.isEmpty() && left > 0) {
                wait(Math.max(1, left / 1_000_000));
                left = deadline - System.nanoTime();
            }
        }
        final List<LiveTunnel> cut = new ArrayList<>(open);
        for (final LiveTunnel tunnel : cut) {
            tunnel.abort("shutting down: still open after the " + grace.toSeconds() + " s grace period");
        }
        return cut.size();
    }
}
