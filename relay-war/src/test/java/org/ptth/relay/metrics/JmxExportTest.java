package org.ptth.relay.metrics;

import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JmxExportTest {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void seriesAppearAsMBeansWithTheSameValuesAndAllGoAtClose() throws Exception {
        final RelayMetrics metrics = new RelayMetrics(new FakeState());
        final JmxExport first = new JmxExport(metrics.registry(), "//localhost/jmx-test");
        first.sync();
        final JmxExport second = new JmxExport(new RelayMetrics(new FakeState()).registry(), "//localhost/jmx-test");
        try {
            assertEquals("//localhost/jmx-test#2", second.webapp(), "a second relay under the same name");
            final Counts counts = new Counts();
            metrics.closed(metrics.opened("laptop", "-", "office", "ssh", "four-stream", System.nanoTime(), counts),
                    "both directions ended");
            metrics.refused("laptop", "-", "office", "*", "mux", 502, "target refused by server proxy: <x>");
            first.sync();
            final ObjectName opened = new ObjectName(JmxExport.DOMAIN + ":webapp=//localhost/jmx-test,"
                    + "name=ptth_relay_tunnels_opened_total,server=office,transport=four-stream");
            assertEquals(1.0, server.getAttribute(opened, "Value"));
            final ObjectName setup = new ObjectName(JmxExport.DOMAIN + ":webapp=//localhost/jmx-test,"
                    + "name=ptth_relay_tunnel_setup_seconds,transport=four-stream");
            assertEquals(1L, server.getAttribute(setup, "Count"));
            assertEquals(1L, server.getAttribute(setup, "le_Inf"));
            metrics.answered(404);
            first.sync();
            assertEquals(1.0, server.getAttribute(new ObjectName(JmxExport.DOMAIN + ":webapp=//localhost/jmx-test,"
                    + "name=ptth_relay_http_responses_total,status=404"), "Value"));
            assertEquals(0.0, server.getAttribute(new ObjectName(JmxExport.DOMAIN + ":webapp=//localhost/jmx-test,"
                    + "name=ptth_relay_server_online,server=office"), "Value"));
            assertEquals(1.0, server.getAttribute(new ObjectName(JmxExport.DOMAIN + ":webapp=//localhost/jmx-test,"
                    + "name=ptth_relay_tunnels_refused_total,reason=target_refused,server=office"), "Value"));
            assertTrue(server.queryNames(new ObjectName(JmxExport.DOMAIN + ":webapp=//localhost/jmx-test,*"), null)
                    .size() > 20);
        } finally {
            first.close();
            second.close();
        }
        assertEquals(0, server.queryNames(new ObjectName(JmxExport.DOMAIN + ":*"), null).size());
    }
}
