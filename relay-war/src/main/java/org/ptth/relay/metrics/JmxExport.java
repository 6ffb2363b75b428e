package org.ptth.relay.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The relay's metrics as JMX MBeans in the platform MBean server, beside Tomcat's own: one MBean per
 * series, named {@code ptth-relay:webapp=//HOST/CONTEXT,name=METRIC,LABEL=VALUE...}, whose
 * attributes read the same registry as GET /metrics ({@link SeriesBean}). The web application's
 * host and context path are in every name, so that relays deployed side by side never collide.
 * {@link #sync()} registers the series that appeared and unregisters those gone; {@link #close()}
 * unregisters all, so that no MBean keeps the web application's class loader once it stops.
 */
public final class JmxExport {
    public static final String DOMAIN = "ptth-relay";
    private static final Logger LOG = Logger.getLogger(JmxExport.class.getName());
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._/()+-]*");

    private final PrometheusRegistry registry;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final String webapp;
    private final Set<ObjectName> registered = new HashSet<>();
    private boolean closed;

    /**
     * @param webapp what names this relay among others in the JVM, as Tomcat names its web modules:
     *               {@code //localhost/ptth-relay}; another instance already registered under it
     *               (a parallel deployment) makes this one {@code ...#2}
     */
    public JmxExport(final PrometheusRegistry registry, final String webapp) {
        this.registry = registry;
        this.webapp = unique(webapp);
    }

    private String unique(final String wanted) {
        String candidate = wanted;
        for (int n = 2; !server.queryNames(pattern(candidate), null).isEmpty(); n++) {
            candidate = wanted + "#" + n;
        }
        return candidate;
    }

    private static ObjectName pattern(final String webapp) {
        try {
            return new ObjectName(DOMAIN + ":webapp=" + value(webapp) + ",*");
        } catch (final MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The value of the {@code webapp} key in this relay's names. */
    public String webapp() {
        return webapp;
    }

    /** Registers the series that appeared since the last look and unregisters those that are gone. */
    public synchronized void sync() {
        if (closed) {
            return;
        }
        final Map<ObjectName, SeriesBean> now = new LinkedHashMap<>();
        for (final MetricSnapshot metric : registry.scrape()) {
            final String name = exposedName(metric);
            for (final DataPointSnapshot point : metric.getDataPoints()) {
                now.put(objectName(name, point.getLabels()),
                        new SeriesBean(registry, metric.getMetadata().getPrometheusName(), name, point.getLabels()));
            }
        }
        for (final Map.Entry<ObjectName, SeriesBean> series : now.entrySet()) {
            if (registered.contains(series.getKey())) {
                continue;
            }
            try {
                server.registerMBean(series.getValue(), series.getKey());
                registered.add(series.getKey());
            } catch (final InstanceAlreadyExistsException e) {
                LOG.warning("JMX name already taken by another: " + series.getKey());
            } catch (final JMException e) {
                LOG.log(Level.WARNING, "cannot register " + series.getKey(), e);
            }
        }
        registered.removeIf(name -> !now.containsKey(name) && unregister(name));
    }

    /** Unregisters every MBean of this relay. */
    public synchronized void close() {
        closed = true;
        registered.removeIf(this::unregister);
        if (!registered.isEmpty()) {
            LOG.warning("JMX names left registered: " + registered);
        }
    }

    private boolean unregister(final ObjectName name) {
        try {
            server.unregisterMBean(name);
            return true;
        } catch (final InstanceNotFoundException gone) {
            return true;
        } catch (final JMException e) {
            LOG.log(Level.WARNING, "cannot unregister " + name, e);
            return false;
        }
    }

    /** The name a series has in the text format: counters with their _total. */
    static String exposedName(final MetricSnapshot metric) {
        final String base = metric.getMetadata().getPrometheusName();
        return metric instanceof CounterSnapshot ? base + "_total" : base;
    }

    private ObjectName objectName(final String metric, final Labels labels) {
        final StringBuilder name = new StringBuilder(DOMAIN).append(":webapp=").append(value(webapp))
                .append(",name=").append(metric);
        for (int i = 0; i < labels.size(); i++) {
            name.append(',').append(labels.getName(i)).append('=').append(value(labels.getValue(i)));
        }
        try {
            return new ObjectName(name.toString());
        } catch (final MalformedObjectNameException e) {
            throw new IllegalStateException("not a JMX name: " + name, e);
        }
    }

    private static String value(final String raw) {
        return PLAIN.matcher(raw).matches() && !raw.isEmpty() ? raw : ObjectName.quote(raw);
    }
}
