package org.ptth.proxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.tunnel.TunnelOutcome;

class MetricsEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(final MetricsEndpoint endpoint, final String path, final String method)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double value(final String text, final String series) {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void servesWhatTheTunnelsReported() throws Exception {
        final ProxyMetrics metrics = ProxyMetrics.instance();
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(new HostPort("127.0.0.1", 0), metrics)) {
            final String before = get(endpoint, "/metrics", "GET").body();
            metrics.relay(true);
            metrics.started();
            metrics.opened(System.nanoTime() - 2_000_000);
            metrics.ended(new TunnelOutcome(false, "both sides closed", 300, 4000, 12));
            metrics.started();
            metrics.ended(new TunnelOutcome(true, "never opened", 0, 0, 3));
            metrics.relay(false);
            metrics.relay(true);
            final HttpResponse<String> after = get(endpoint, "/metrics", "GET");
            assertEquals(200, after.statusCode());
            assertTrue(after.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            final String text = after.body();
            assertEquals(1, value(text, "ptth_proxy_tunnels_opened_total") - value(before, "ptth_proxy_tunnels_opened_total"));
            assertEquals(1, value(text, "ptth_proxy_tunnels_refused_total") - value(before, "ptth_proxy_tunnels_refused_total"));
            assertEquals(1, value(text, "ptth_proxy_tunnels_closed_total{how=\"ended\"}")
                    - value(before, "ptth_proxy_tunnels_closed_total{how=\"ended\"}"));
            assertEquals(4000, value(text, "ptth_proxy_tunnel_bytes_total{direction=\"downstream\"}")
                    - value(before, "ptth_proxy_tunnel_bytes_total{direction=\"downstream\"}"));
            assertEquals(1, value(text, "ptth_proxy_relay_reconnects_total") - value(before, "ptth_proxy_relay_reconnects_total"));
            assertEquals(1, value(text, "ptth_proxy_relay_connected"));
            assertEquals(1, value(text, "ptth_proxy_tunnel_setup_seconds_count")
                    - value(before, "ptth_proxy_tunnel_setup_seconds_count"));
            assertEquals(404, get(endpoint, "/", "GET").statusCode());
            assertEquals(405, get(endpoint, "/metrics", "POST").statusCode());
        }
    }
}
