package org.ptth.proxy.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.ptth.proxy.tunnel.TunnelOutcome;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a proxy counts, for {@code --metrics-listen}: its connection to the relay, and its tunnels,
 * whatever transport carries them. One per process (a proxy process is one proxy); the transports
 * tell it when a tunnel starts, opens, is refused and ends, never per message. A tunnel's bytes are
 * counted when it ends.
 */
public final class ProxyMetrics {
    private static final ProxyMetrics INSTANCE = new ProxyMetrics();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final AtomicInteger open = new AtomicInteger();
    /** 1 up, 0 down, -1 not tried yet. */
    private final AtomicInteger relay = new AtomicInteger(-1);
    private volatile boolean everUp;
    private final Counter opened;
    private final Counter refused;
    private final Counter closed;
    private final Counter bytes;
    private final Counter reconnects;
    private final Histogram setup;

    private ProxyMetrics() {
        opened = Counter.builder().name("ptth_proxy_tunnels_opened_total")
                .help("Tunnels opened: the relay and the other proxy reached").withoutExemplars().register(registry);
        refused = Counter.builder().name("ptth_proxy_tunnels_refused_total")
                .help("Tunnels that never opened (the relay or the other proxy refused, or the target could not be reached)")
                .withoutExemplars().register(registry);
        closed = Counter.builder().name("ptth_proxy_tunnels_closed_total")
                .help("Opened tunnels that ended: ended (END both ways) or aborted").labelNames("how")
                .withoutExemplars().register(registry);
        bytes = Counter.builder().name("ptth_proxy_tunnel_bytes_total")
                .help("Bytes of ended tunnels, by direction (upstream: from the TCP client towards the TCP server)")
                .labelNames("direction").withoutExemplars().register(registry);
        reconnects = Counter.builder().name("ptth_proxy_relay_reconnects_total")
                .help("Times the relay was reached again after it had been lost").withoutExemplars().register(registry);
        setup = Histogram.builder().name("ptth_proxy_tunnel_setup_seconds")
                .help("From a tunnel's start at this proxy to its opening")
                .classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .withoutExemplars().register(registry);
        GaugeWithCallback.builder().name("ptth_proxy_tunnels_open")
                .help("Tunnels this proxy holds now (being opened or open)")
                .callback(cb -> cb.call(open.get())).register(registry);
        GaugeWithCallback.builder().name("ptth_proxy_relay_connected")
                .help("1 while the relay is reachable (the last call or the mux connection succeeded), else 0")
                .callback(cb -> cb.call(Math.max(0, relay.get()))).register(registry);
        for (final String how : new String[] {"ended", "aborted"}) {
            closed.labelValues(how);
        }
        for (final String direction : new String[] {"upstream", "downstream"}) {
            bytes.labelValues(direction);
        }
    }

    public static ProxyMetrics instance() {
        return INSTANCE;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** A tunnel began (registered with the terminator's live tunnels). */
    public void started() {
        open.incrementAndGet();
    }

    /** A started tunnel ended; one that never opened counts as refused. */
    public void ended(final TunnelOutcome outcome) {
        open.decrementAndGet();
        if (outcome == null || "never opened".equals(outcome.reason())) {
            refused.inc();
            return;
        }
        closed.labelValues(outcome.aborted() ? "aborted" : "ended").inc();
        bytes.labelValues("upstream").inc(outcome.up());
        bytes.labelValues("downstream").inc(outcome.down());
    }

    /** A tunnel opened; {@code startNanos} is when it began here (System.nanoTime). */
    public void opened(final long startNanos) {
        opened.inc();
        setup.observe((System.nanoTime() - startNanos) / 1e9);
    }

    /** A tunnel refused before the terminator registered it. */
    public void refused() {
        refused.inc();
    }

    /** What the last look at the relay found: reachable or not. */
    public void relay(final boolean up) {
        final int was = relay.getAndSet(up ? 1 : 0);
        if (up && was == 0 && everUp) {
            reconnects.inc();
        }
        everUp |= up;
    }
}
