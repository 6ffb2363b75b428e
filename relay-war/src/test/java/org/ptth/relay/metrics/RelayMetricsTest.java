package org.ptth.relay.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelayMetricsTest {
    private FakeState state;
    private RelayMetrics metrics;

    @BeforeEach
    void setUp() throws Exception {
        state = new FakeState();
        metrics = new RelayMetrics(state);
    }

    private String text() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aTunnelsBytesAreCountedOnceWhetherTheTickOrTheCloseComesFirst() throws IOException {
        final Counts counts = new Counts();
        final TunnelMeter meter = metrics.opened("laptop", "10.0.0.1", "office", "ssh", "mux", System.nanoTime(), counts);
        counts.up = 1000;
        counts.down = 50;
        metrics.sample();
        assertTrue(text().contains("ptth_relay_tunnel_bytes_total{direction=\"upstream\",server=\"office\"} 1000.0"), text());
        assertTrue(text().contains("ptth_relay_tunnels_open{server=\"office\",transport=\"mux\"} 1.0"), text());
        counts.up = 1500;
        counts.down = 70;
        metrics.closed(meter, "both directions ended");
        metrics.closed(meter, "both directions ended");
        metrics.sample();
        final String text = text();
        assertTrue(text.contains("ptth_relay_tunnel_bytes_total{direction=\"upstream\",server=\"office\"} 1500.0"), text);
        assertTrue(text.contains("ptth_relay_tunnel_bytes_total{direction=\"downstream\",server=\"office\"} 70.0"), text);
        assertTrue(text.contains("ptth_relay_tunnels_closed_total{how=\"ended\",server=\"office\",transport=\"mux\"} 1.0"), text);
        assertTrue(text.contains("ptth_relay_tunnels_opened_total{server=\"office\",transport=\"mux\"} 1.0"), text);
        assertTrue(text.contains("ptth_relay_tunnel_setup_seconds_count{transport=\"mux\"} 1"), text);
        assertFalse(text.contains("ptth_relay_tunnels_open{"), text);
        assertTrue(metrics.openTunnels().isEmpty());
    }

    @Test
    void aMeterOfATickRacingTheCloseNeverCountsLess() {
        final Counts counts = new Counts();
        final TunnelMeter meter = metrics.opened("laptop", "-", "office", "ssh", "duplex", System.nanoTime(), counts);
        // the close read 200, a late tick still had 100: the counter keeps 200
        assertEquals(200, meter.uncountedUp(200));
        assertEquals(0, meter.uncountedUp(100));
        assertEquals(50, meter.uncountedUp(250));
    }

    @Test
    void labelsComeFromTheConfigurationOnly() throws IOException {
        metrics.refused("laptop", "-", "made-up-server", "x", "four-stream", 404, "no listener within the connect wait");
        metrics.refused("laptop", "-", "office", "web", "four-stream", 404, "target not allowed for this client");
        state.polls.put("office", Map.of("ssh", 2, "random-port-1", 1));
        state.polls.put("unknown", Map.of("ssh", 1));
        state.mux.put("lab", Map.of("db", 1));
        final String text = text();
        assertTrue(text.contains("ptth_relay_tunnels_refused_total{reason=\"not_online\",server=\"(unconfigured)\"} 1.0"), text);
        assertTrue(text.contains("ptth_relay_tunnels_refused_total{reason=\"not_allowed\",server=\"office\"} 1.0"), text);
        assertTrue(text.contains("ptth_relay_parked_polls{port=\"ssh\",server=\"office\"} 2.0"), text);
        assertTrue(text.contains("ptth_relay_parked_polls{port=\"*\",server=\"office\"} 1.0"), text);
        assertTrue(text.contains("ptth_relay_parked_polls{port=\"*\",server=\"(unconfigured)\"} 1.0"), text);
        assertTrue(text.contains("ptth_relay_mux_listeners{port=\"*\",server=\"lab\"} 1.0"), text);
        assertTrue(text.contains("ptth_relay_server_online{server=\"office\"} 1.0"), text);
        assertTrue(text.contains("ptth_relay_server_online{server=\"lab\"} 1.0"), text);
        assertFalse(text.contains("random-port-1") || text.contains("made-up-server") || text.contains("unknown"), text);
        assertEquals("made-up-server", metrics.recentRefusals().get(1).server(), "the page keeps the name as called");
    }

    @Test
    void refusalsAndClosingsHaveFewReasons() {
        assertEquals("target_refused", Outcomes.refusal(502, "target refused by server proxy: connection refused"));
        assertEquals("accept_timeout", Outcomes.refusal(502, "server proxy did not accept the connection in time"));
        assertEquals("accept_timeout", Outcomes.refusal(502, "no accept in time"));
        assertEquals("server_gone", Outcomes.refusal(502, "server proxy went away: closed"));
        assertEquals("client_gone", Outcomes.refusal(410, "client went away before the server accepted"));
        assertEquals("client_gone", Outcomes.refusal(0, "client aborted before the server accepted"));
        assertEquals("limit", Outcomes.refusal(429, "too many tunnels for client x"));
        assertEquals("limit", Outcomes.refusal(503, "relay at its tunnel limit"));
        assertEquals("relay_stopping", Outcomes.refusal(503, "relay stopping"));
        assertEquals("key_removed", Outcomes.refusal(401, "configuration changed: key removed"));
        assertEquals("protocol_error", Outcomes.refusal(0, "protocol error on this tunnel: OPENED twice"));
        assertEquals("ended", Outcomes.closing("both directions ended"));
        assertEquals("idle", Outcomes.closing("idle for more than 90 s (upstream ...)"));
        assertEquals("reload", Outcomes.closing("configuration changed: key or permission removed"));
        assertEquals("relay_stopping", Outcomes.closing("relay stopping"));
        assertEquals("aborted", Outcomes.closing("client proxy aborted: reset"));
    }

    @Test
    void answersAreCountedByStatusAndOddOnesTogether() throws IOException {
        metrics.answered(401);
        metrics.answered(401);
        metrics.answered(599);
        final String text = text();
        assertTrue(text.contains("ptth_relay_http_responses_total{status=\"401\"} 2.0"), text);
        assertTrue(text.contains("ptth_relay_http_responses_total{status=\"other\"} 1.0"), text);
    }
}
