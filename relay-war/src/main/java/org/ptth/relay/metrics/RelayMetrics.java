package org.ptth.relay.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.ptth.relay.config.ConfigWatcher;
import org.ptth.relay.config.RelayConfig;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The relay's metrics, in one Prometheus registry of its own (never the client library's default
 * one, which would be shared by every web application of the JVM that loads the library from the
 * same place): counters fed by {@link RelayEvents}, gauges read from the relay's state when they are
 * collected, and a sampling tick that adds the bytes of open tunnels to the byte counters, keeps an
 * hour of samples for the status page and brings the JMX MBeans up to date.
 *
 * <p>Label values are bounded: server names from the configuration (any other name is counted as
 * {@value #OTHER_SERVER}), port names that an allow list of the configuration names for that server
 * (any other as {@value #OTHER_PORT}), and fixed sets for every other label.
 */
public final class RelayMetrics implements RelayEvents {
    public static final String OTHER_SERVER = "(unconfigured)";
    public static final String OTHER_PORT = "*";
    static final long SAMPLE_MILLIS = 5_000;
    private static final int TIMELINE_POINTS = (int) (3_600_000 / SAMPLE_MILLIS);
    private static final int RECENT_REFUSALS = 50;
    private static final Set<Integer> STATUSES = Set.of(101, 200, 204, 400, 401, 403, 404, 405, 409, 410, 426, 429,
            500, 502, 503);

    private final RelayState state;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Set<TunnelMeter> open = ConcurrentHashMap.newKeySet();
    private final Deque<RefusedTunnel> refusals = new ArrayDeque<>();
    private final Timeline timeline = new Timeline(TIMELINE_POINTS);
    /** Every byte the byte counters were given, for the bytes-per-second chart. */
    private final AtomicLong bytesCounted = new AtomicLong();
    private long bytesAtLastSample;
    private long lastSampleNanos = System.nanoTime();

    private final Counter opened;
    private final Counter refused;
    private final Counter closed;
    private final Counter bytes;
    private final Counter responses;
    private final Counter limits;
    private final Counter muxConnectionsOpened;
    private final Histogram setup;

    public RelayMetrics(final RelayState state) {
        this.state = state;
        opened = Counter.builder().name("ptth_relay_tunnels_opened_total")
                .help("Tunnels opened (both proxies reached), by server and the client proxy's transport")
                .labelNames("server", "transport").withoutExemplars().register(registry);
        refused = Counter.builder().name("ptth_relay_tunnels_refused_total")
                .help("Tunnels that never opened, by server and reason")
                .labelNames("server", "reason").withoutExemplars().register(registry);
        closed = Counter.builder().name("ptth_relay_tunnels_closed_total")
                .help("Open tunnels that ended, by server, transport and how they ended")
                .labelNames("server", "transport", "how").withoutExemplars().register(registry);
        bytes = Counter.builder().name("ptth_relay_tunnel_bytes_total")
                .help("Bytes carried by tunnels, by server and direction (upstream: client to server);"
                        + " open tunnels' bytes are added every " + SAMPLE_MILLIS / 1000 + " s")
                .labelNames("server", "direction").withoutExemplars().register(registry);
        responses = Counter.builder().name("ptth_relay_http_responses_total")
                .help("HTTP answers of the relay's web application, by status code")
                .labelNames("status").withoutExemplars().register(registry);
        limits = Counter.builder().name("ptth_relay_limit_reached_total")
                .help("Calls or tunnels refused because a limit of the configuration was reached, by its setting")
                .labelNames("limit").withoutExemplars().register(registry);
        muxConnectionsOpened = Counter.builder().name("ptth_relay_connections_opened_total")
                .help("Mux (WebSocket) connections accepted, by the role of their proxy")
                .labelNames("transport", "role").withoutExemplars().register(registry);
        setup = Histogram.builder().name("ptth_relay_tunnel_setup_seconds")
                .help("From a client's connect or OPEN to the open tunnel, by the client proxy's transport")
                .labelNames("transport").classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .withoutExemplars().register(registry);
        registerGauges();
        for (final Limit limit : Limit.values()) {
            limits.labelValues(limit.setting()); // every limit listed from the start, at 0
        }
    }

    private void registerGauges() {
        GaugeWithCallback.builder().name("ptth_relay_tunnels_open")
                .help("Tunnels open now, by server and the client proxy's transport")
                .labelNames("server", "transport").callback(cb -> {
                    final Map<List<String>, Integer> counts = new HashMap<>();
                    for (final TunnelMeter m : open) {
                        counts.merge(List.of(m.serverLabel, m.transport), 1, Integer::sum);
                    }
                    counts.forEach((labels, n) -> cb.call(n, labels.get(0), labels.get(1)));
                }).register(registry);
        GaugeWithCallback.builder().name("ptth_relay_server_online")
                .help("1 for a configured server with a parked listen poll or a listening mux connection now, else 0")
                .labelNames("server").callback(cb -> {
                    final RelayConfig config = state.config();
                    if (config == null) {
                        return;
                    }
                    final Map<String, Map<String, Integer>> polls = state.parkedPolls();
                    final Map<String, Map<String, Integer>> mux = state.muxListeners();
                    for (final String server : config.serverNames()) {
                        cb.call(polls.containsKey(server) || mux.containsKey(server) ? 1 : 0, server);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("ptth_relay_parked_polls")
                .help("Listen polls of four-stream and duplex server proxies parked now, by server and port")
                .labelNames("server", "port").callback(cb -> byPort(state.parkedPolls())
                        .forEach((labels, n) -> cb.call(n, labels.get(0), labels.get(1)))).register(registry);
        GaugeWithCallback.builder().name("ptth_relay_mux_listeners")
                .help("Mux server connections whose last LISTEN names the port, by server and port")
                .labelNames("server", "port").callback(cb -> byPort(state.muxListeners())
                        .forEach((labels, n) -> cb.call(n, labels.get(0), labels.get(1)))).register(registry);
        GaugeWithCallback.builder().name("ptth_relay_connections")
                .help("Mux (WebSocket) connections open now, by the role of their proxy")
                .labelNames("transport", "role").callback(cb -> {
                    cb.call(state.muxConnections(false), "mux", "client");
                    cb.call(state.muxConnections(true), "mux", "server");
                }).register(registry);
        GaugeWithCallback.builder().name("ptth_relay_buffer_bytes")
                .help("Memory held for tunnels' data: splice (four-stream and duplex buffers beyond their first"
                        + " 8 KiB, against buffer.max) and mux (queued for mux connections, against mux.buffer.max)")
                .labelNames("pool").callback(cb -> {
                    cb.call(state.spliceBufferBytes(), "splice");
                    cb.call(state.muxBufferBytes(), "mux");
                }).register(registry);
        GaugeWithCallback.builder().name("ptth_relay_limit")
                .help("The limits of the configuration in force, by setting")
                .labelNames("limit").callback(cb -> {
                    final RelayConfig config = state.config();
                    if (config != null) {
                        final RelayConfig.Limits l = config.limits();
                        cb.call(l.listensPerServer(), Limit.LISTENS_PER_SERVER.setting());
                        cb.call(l.pendingConnectsPerServer(), Limit.PENDING_CONNECTS_PER_SERVER.setting());
                        cb.call(l.tunnelsPerClient(), Limit.TUNNELS_PER_CLIENT.setting());
                        cb.call(l.tunnels(), Limit.TUNNELS.setting());
                        cb.call(config.mux().connectionsPerPrincipal(), Limit.MUX_CONNECTIONS_PER_PRINCIPAL.setting());
                        cb.call(l.bufferMax(), "buffer.max");
                        cb.call(config.mux().bufferMax(), "mux.buffer.max");
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("ptth_relay_config_valid")
                .help("1 while a valid configuration is in force, 0 while the relay answers 503")
                .callback(cb -> cb.call(state.config() == null ? 0 : 1)).register(registry);
        GaugeWithCallback.builder().name("ptth_relay_config_last_reload_success_timestamp_seconds")
                .help("When the configuration in force was loaded (Unix time); 0: never")
                .callback(cb -> cb.call(state.configHistory().lastLoadedMillis() / 1000.0)).register(registry);
        CounterWithCallback.builder().name("ptth_relay_config_reloads_total")
                .help("Loads of the configuration file (the first included): ok, or rejected (the previous one stays)")
                .labelNames("result").callback(cb -> {
                    final ConfigWatcher.History history = state.configHistory();
                    cb.call(history.loaded(), "ok");
                    cb.call(history.rejected(), "rejected");
                }).register(registry);
    }

    /** Counts by (server, port) label pair, names outside the configuration folded together. */
    private Map<List<String>, Integer> byPort(final Map<String, Map<String, Integer>> counts) {
        final RelayConfig config = state.config();
        final Map<List<String>, Integer> out = new HashMap<>();
        if (config == null) {
            return out;
        }
        counts.forEach((server, ports) -> {
            final String serverLabel = config.hasServer(server) ? server : OTHER_SERVER;
            final Set<String> named = config.portsNamedFor(server);
            ports.forEach((port, n) -> out.merge(List.of(serverLabel, named.contains(port) ? port : OTHER_PORT),
                    n, Integer::sum));
        });
        return out;
    }

    private String serverLabel(final String server) {
        final RelayConfig config = state.config();
        return config != null && config.hasServer(server) ? server : OTHER_SERVER;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Every metric now. */
    public MetricSnapshots scrape() {
        return registry.scrape();
    }

    // ---- events

    @Override
    public TunnelMeter opened(final String client, final String clientAddress, final String server, final String port,
                              final String transport, final long startNanos, final ByteCounts counts) {
        final TunnelMeter meter = new TunnelMeter(client, clientAddress, server, port, transport,
                serverLabel(server), startNanos, counts);
        open.add(meter);
        opened.labelValues(meter.serverLabel, transport).inc();
        setup.labelValues(transport).observe((meter.openedNanos - startNanos) / 1e9);
        return meter;
    }

    @Override
    public void closed(final TunnelMeter meter, final String why) {
        if (meter == null || !open.remove(meter)) {
            return;
        }
        count(meter);
        closed.labelValues(meter.serverLabel, meter.transport, Outcomes.closing(why)).inc();
    }

    @Override
    public void refused(final String client, final String clientAddress, final String server, final String port,
                        final String transport, final int status, final String why) {
        final String reason = Outcomes.refusal(status, why);
        refused.labelValues(serverLabel(server), reason).inc();
        final RefusedTunnel refusal = new RefusedTunnel(System.currentTimeMillis(), client, clientAddress, server, port, transport,
                status, reason, why);
        synchronized (refusals) {
            refusals.addFirst(refusal);
            if (refusals.size() > RECENT_REFUSALS) {
                refusals.removeLast();
            }
        }
    }

    @Override
    public void limitReached(final Limit limit) {
        limits.labelValues(limit.setting()).inc();
    }

    @Override
    public void muxConnectionOpened(final boolean server) {
        muxConnectionsOpened.labelValues("mux", server ? "server" : "client").inc();
    }

    /** An HTTP answer of the web application. */
    public void answered(final int status) {
        responses.labelValues(STATUSES.contains(status) ? Integer.toString(status) : "other").inc();
    }

    // ---- the sampling tick

    /** Adds open tunnels' new bytes to the counters, notes their rates, and keeps a point for the charts. */
    public void sample() {
        final long now = System.nanoTime();
        for (final TunnelMeter m : open) {
            final long up = m.bytes.upBytes();
            final long down = m.bytes.downBytes();
            final double seconds = Math.max(1, now - m.sampledNanos) / 1e9;
            m.upRate = Math.max(0, up - m.sampledUp) / seconds;
            m.downRate = Math.max(0, down - m.sampledDown) / seconds;
            m.sampledUp = up;
            m.sampledDown = down;
            m.sampledNanos = now;
            add(m, up, down);
        }
        final long total = bytesCounted.get();
        final double seconds = Math.max(1, now - lastSampleNanos) / 1e9;
        timeline.add(new Timeline.Point(System.currentTimeMillis(), open.size(),
                Math.max(0, total - bytesAtLastSample) / seconds));
        bytesAtLastSample = total;
        lastSampleNanos = now;
    }

    private void count(final TunnelMeter m) {
        add(m, m.bytes.upBytes(), m.bytes.downBytes());
    }

    private void add(final TunnelMeter m, final long up, final long down) {
        final long newUp = m.uncountedUp(up);
        final long newDown = m.uncountedDown(down);
        if (newUp > 0) {
            bytes.labelValues(m.serverLabel, "upstream").inc(newUp);
        }
        if (newDown > 0) {
            bytes.labelValues(m.serverLabel, "downstream").inc(newDown);
        }
        bytesCounted.addAndGet(newUp + newDown);
    }

    // ---- for the status page

    public RelayState state() {
        return state;
    }

    /** The open tunnels, oldest first. */
    public List<OpenTunnel> openTunnels() {
        final long now = System.nanoTime();
        final List<OpenTunnel> list = new ArrayList<>();
        for (final TunnelMeter m : open) {
            list.add(new OpenTunnel(m.client, m.clientAddress, m.server, m.port, m.transport, m.openedMillis,
                    (now - m.openedNanos) / 1_000_000, m.bytes.upBytes(), m.bytes.downBytes(), m.upRate, m.downRate));
        }
        list.sort(Comparator.comparingLong(OpenTunnel::openedMillis));
        return list;
    }

    /** The last refusals, newest first. */
    public List<RefusedTunnel> recentRefusals() {
        synchronized (refusals) {
            return List.copyOf(refusals);
        }
    }

    public Timeline timeline() {
        return timeline;
    }

    /**
     * The sum of a counter's series whose labels include {@code label=value} (null: all of them), as
     * GET /metrics has it; {@code family} without its _total.
     */
    public double total(final String family, final String label, final String value) {
        double sum = 0;
        for (final MetricSnapshot metric : registry.scrape(family::equals)) {
            for (final DataPointSnapshot point : metric.getDataPoints()) {
                if (label == null || value.equals(point.getLabels().get(label))) {
                    sum += point instanceof CounterSnapshot.CounterDataPointSnapshot c ? c.getValue() : 0;
                }
            }
        }
        return sum;
    }

    /** Open tunnels per client now, for the page's limits. */
    public Map<String, Integer> openTunnelsByClient() {
        final Map<String, Integer> counts = new HashMap<>();
        for (final TunnelMeter m : open) {
            counts.merge(m.client, 1, Integer::sum);
        }
        return counts;
    }
}
