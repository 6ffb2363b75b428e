package org.ptth.relay;

import jakarta.servlet.ServletContext;
import org.ptth.relay.config.ConfigWatcher;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.metrics.RelayMetrics;
import org.ptth.relay.mux.MuxRouter;
import org.ptth.relay.registry.TunnelRegistry;
import org.ptth.relay.timing.Timers;

/**
 * What the endpoints share within one deployment: the configuration in force, the tunnels of each
 * transport, and the timer thread that all of them use.
 */
public final class RelayContext {
    private static final String ATTRIBUTE = RelayContext.class.getName();

    private final ConfigWatcher config;
    private final TunnelRegistry registry;
    private final MuxRouter mux;
    private final RelayMetrics metrics;
    private final Timers timers;

    public RelayContext(final ConfigWatcher config, final TunnelRegistry registry, final MuxRouter mux,
                        final RelayMetrics metrics, final Timers timers) {
        this.config = config;
        this.registry = registry;
        this.mux = mux;
        this.metrics = metrics;
        this.timers = timers;
    }

    public static RelayContext of(final ServletContext context) {
        return (RelayContext) context.getAttribute(ATTRIBUTE);
    }

    void bind(final ServletContext context) {
        context.setAttribute(ATTRIBUTE, this);
    }

    /** The configuration in force, or null while there is none (see {@link #unavailableAnswer()}). */
    public RelayConfig config() {
        return config.current();
    }

    /**
     * What a caller hears while there is no valid configuration: nothing of the file's path or of
     * the names in it, since nobody can be authenticated yet. The reason itself is in the log.
     */
    public String unavailableAnswer() {
        return "relay not configured: its configuration file is missing or invalid (the relay's log says why)";
    }

    public TunnelRegistry registry() {
        return registry;
    }

    /** What the relay counts, and its state for the status page. */
    public RelayMetrics metrics() {
        return metrics;
    }

    /** The multiplexed transport's connections and tunnels. */
    public MuxRouter mux() {
        return mux;
    }

    /** The relay's timer thread, stopped with the web application. */
    public Timers timers() {
        return timers;
    }
}
