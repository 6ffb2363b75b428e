package org.ptth.relay;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;
import org.ptth.relay.config.ConfigWatcher;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.join.ClassicJoins;
import org.ptth.relay.metrics.JmxExport;
import org.ptth.relay.metrics.RelayMetrics;
import org.ptth.relay.metrics.RelayState;
import org.ptth.relay.mux.MuxRouter;
import org.ptth.relay.registry.TunnelRegistry;
import org.ptth.relay.timing.Timers;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * Starts the relay with its web application and stops it with it: on undeploy or shutdown the relay
 * drains (no new tunnels, the proxies told by GOAWAY to move theirs), open tunnels get
 * shutdown.grace to finish, the rest are cut, and the timer threads stop, so that the container
 * finds nothing left behind.
 */
@WebListener
public final class RelayLifecycle implements ServletContextListener {
    public static final String CONFIG_PROPERTY = "ptth.relay.config";
    private static final Logger LOG = Logger.getLogger(RelayLifecycle.class.getName());
    private static final long CONFIG_CHECK_MILLIS = 2000;
    private static final long REAP_MILLIS = 1000;
    private static final long SAMPLE_MILLIS = 5000;
    private static final long DRAIN_POLL_MILLIS = 50;
    private static final String JMX_ATTRIBUTE = JmxExport.class.getName();

    @Override
    public void contextInitialized(final ServletContextEvent event) {
        final ServletContext context = event.getServletContext();
        final Path file = configFile(context);
        final AtomicReference<RelayContext> relayRef = new AtomicReference<>();
        final ConfigWatcher watcher = new ConfigWatcher(file, next -> {
            relayRef.get().registry().configChanged(next);
            relayRef.get().mux().configChanged(next);
        });
        final Timers timers = new Timers();
        final TunnelRegistry registry = new TunnelRegistry(watcher::current, timers);
        final MuxRouter mux = new MuxRouter(watcher::current, registry::liveTunnels, registry::tunnelsOfClient, timers);
        final ClassicJoins joins = new ClassicJoins(mux, registry, watcher::current);
        registry.join(joins);
        mux.join(joins);
        final RelayMetrics metrics = new RelayMetrics(state(watcher, registry, mux));
        registry.meter(metrics);
        mux.meter(metrics);
        relayRef.set(new RelayContext(watcher, registry, mux, metrics, timers));
        watcher.check();
        final JmxExport jmx = new JmxExport(metrics.registry(), webappName(context));
        context.setAttribute(JMX_ATTRIBUTE, jmx);
        jmx.sync();
        timers.every(SAMPLE_MILLIS, () -> {
            metrics.sample();
            jmx.sync();
        });
        timers.every(CONFIG_CHECK_MILLIS, watcher::check);
        timers.every(REAP_MILLIS, () -> {
            if (watcher.current() != null) {
                registry.reapIdle();
            }
        });
        relayRef.get().bind(context);
        LOG.info("ptth relay started at context path '" + context.getContextPath() + "', configuration " + file
                + ", JMX " + JmxExport.DOMAIN + ":webapp=" + jmx.webapp());
    }

    /**
     * The drain (docs/scale-out.md, "Rolling restart"): Tomcat calls this after it has stopped
     * accepting connections and while it still serves the open ones, upgraded mux connections
     * included, so the tunnels on them can finish here before the connectors close.
     */
    @Override
    public void contextDestroyed(final ServletContextEvent event) {
        final RelayContext relay = RelayContext.of(event.getServletContext());
        if (relay != null) {
            final RelayConfig config = relay.config();
            final long grace = config == null ? 0 : config.mux().shutdownGrace().toMillis();
            relay.registry().drain();
            relay.mux().drain();
            final int open = openTunnels(relay);
            LOG.info("ptth relay stopping: new tunnels are refused (503), every mux connection was told to move"
                    + " (GOAWAY); " + open + " open tunnels get up to " + grace + " ms (shutdown.grace) to finish");
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(grace);
            while (openTunnels(relay) > 0 && System.nanoTime() - deadline < 0) {
                try {
                    Thread.sleep(DRAIN_POLL_MILLIS);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            final int cut = openTunnels(relay);
            relay.registry().shutdown();
            relay.mux().shutdown();
            relay.timers().stop();
            LOG.info("ptth relay stopped; " + (open - Math.min(open, cut)) + " tunnels finished during the grace,"
                    + " " + cut + " cut (reset)");
        }
        // After the timers have stopped, so that no tick registers an MBean again.
        final JmxExport jmx = (JmxExport) event.getServletContext().getAttribute(JMX_ATTRIBUTE);
        if (jmx != null) {
            jmx.close();
        }
    }

    private static int openTunnels(final RelayContext relay) {
        return relay.registry().liveTunnels() + relay.mux().liveTunnels();
    }

    /** As Tomcat names its web modules: //HOST/CONTEXT, "//localhost/ptth-relay"; "/" for the root context. */
    static String webappName(final ServletContext context) {
        final String virtual = context.getVirtualServerName();
        final String host = virtual == null ? "" : virtual.substring(virtual.lastIndexOf('/') + 1);
        final String path = context.getContextPath();
        return "//" + host + (path.isEmpty() ? "/" : path);
    }

    private static RelayState state(final ConfigWatcher watcher, final TunnelRegistry registry, final MuxRouter mux) {
        return new RelayState() {
            @Override
            public RelayConfig config() {
                return watcher.current();
            }

            @Override
            public Path configFile() {
                return watcher.file();
            }

            @Override
            public ConfigWatcher.History configHistory() {
                return watcher.history();
            }

            @Override
            public Map<String, Map<String, Integer>> parkedPolls() {
                return registry.parkedPollsByPort();
            }

            @Override
            public Map<String, Map<String, Integer>> muxListeners() {
                return mux.listenersByPort();
            }

            @Override
            public int muxConnections(final boolean servers) {
                return mux.connections(servers);
            }

            @Override
            public long spliceBufferBytes() {
                return registry.bufferedBytes();
            }

            @Override
            public long muxBufferBytes() {
                return mux.bufferedBytes();
            }
        };
    }

    /** The system property, else the context parameter, else conf/ptth-relay.properties under catalina.base. */
    static Path configFile(final ServletContext context) {
        final String property = System.getProperty(CONFIG_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property.strip());
        }
        final String parameter = context.getInitParameter(CONFIG_PROPERTY);
        if (parameter != null && !parameter.isBlank()) {
            return Path.of(parameter.strip());
        }
        final String base = System.getProperty("catalina.base", ".");
        return Path.of(base, "conf", "ptth-relay.properties");
    }
}
