package org.ptth.relay.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One series of the registry as a read-only MBean. Every read collects that metric anew, so JMX
 * shows exactly what GET /metrics would: counters and gauges as {@code Value}, histograms as
 * {@code Count}, {@code Sum} and one cumulative {@code le_BOUND} per bucket, as in the text format.
 */
final class SeriesBean implements DynamicMBean {
    private final PrometheusRegistry registry;
    private final String family;
    private final String exposedName;
    private final Labels labels;

    SeriesBean(final PrometheusRegistry registry, final String family, final String exposedName, final Labels labels) {
        this.registry = registry;
        this.family = family;
        this.exposedName = exposedName;
        this.labels = labels;
    }

    /** The attributes and their values now; empty when the series is gone. */
    private Map<String, Object> values() {
        final Map<String, Object> values = new LinkedHashMap<>();
        for (final MetricSnapshot metric : registry.scrape(family::equals)) {
            for (final DataPointSnapshot point : metric.getDataPoints()) {
                if (!point.getLabels().equals(labels)) {
                    continue;
                }
                if (point instanceof CounterSnapshot.CounterDataPointSnapshot counter) {
                    values.put("Value", counter.getValue());
                } else if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot gauge) {
                    values.put("Value", gauge.getValue());
                } else if (point instanceof HistogramSnapshot.HistogramDataPointSnapshot histogram) {
                    values.put("Count", histogram.getCount());
                    values.put("Sum", histogram.getSum());
                    long cumulative = 0;
                    for (final ClassicHistogramBucket bucket : histogram.getClassicBuckets()) {
                        cumulative += bucket.getCount();
                        final double bound = bucket.getUpperBound();
                        values.put("le_" + (Double.isInfinite(bound) ? "Inf" : Double.toString(bound)), cumulative);
                    }
                }
            }
        }
        return values;
    }

    @Override
    public Object getAttribute(final String attribute) throws AttributeNotFoundException {
        final Object value = values().get(attribute);
        if (value == null) {
            throw new AttributeNotFoundException(attribute);
        }
        return value;
    }

    @Override
    public void setAttribute(final Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException("read-only: " + attribute.getName());
    }

    @Override
    public AttributeList getAttributes(final String[] attributes) {
        final Map<String, Object> values = values();
        final AttributeList list = new AttributeList();
        for (final String name : attributes) {
            if (values.containsKey(name)) {
                list.add(new Attribute(name, values.get(name)));
            }
        }
        return list;
    }

    @Override
    public AttributeList setAttributes(final AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(final String action, final Object[] params, final String[] signature) {
        throw new UnsupportedOperationException("no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        final Map<String, Object> values = values();
        final MBeanAttributeInfo[] attributes = values.entrySet().stream()
                .map(e -> new MBeanAttributeInfo(e.getKey(), e.getValue().getClass().getName(),
                        exposedName + " " + e.getKey(), true, false, false))
                .toArray(MBeanAttributeInfo[]::new);
        return new MBeanInfo(getClass().getName(), "ptth relay metric " + exposedName + labels, attributes,
                null, new MBeanOperationInfo[0], null);
    }
}
