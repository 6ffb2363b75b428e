package org.ptth.relay.endpoints;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.RelayContext;
import org.ptth.relay.config.RelayConfig;

import java.io.IOException;
import java.util.List;

/**
 * {@code GET /metrics}: every metric of the relay in the Prometheus text format, for a scraper
 * that sends the key whose hash is {@code metrics.key-sha256} as {@code Authorization: Bearer}.
 * Absent (404) when the configuration names no such key.
 */
@WebServlet(name = "ptth-metrics", urlPatterns = "/metrics", asyncSupported = true)
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final PrometheusTextFormatWriter FORMAT = PrometheusTextFormatWriter.create();
    private static final OperatorGate GATE = new OperatorGate("the metrics endpoint", List.of("GET", "HEAD"),
            "metrics.key-sha256", RelayConfig::metricsAuthenticator, "ptth-relay metrics");

    @Override
    protected void service(final HttpServletRequest request, final HttpServletResponse response) throws IOException {
        final RelayContext relay = RelayContext.of(getServletContext());
        if (!GATE.admits(request, response, relay.config(), relay::unavailableAnswer)) {
            return;
        }
        response.setContentType(FORMAT.getContentType());
        response.setHeader("Cache-Control", "no-store");
        if ("GET".equals(request.getMethod())) {
            FORMAT.write(response.getOutputStream(), relay.metrics().scrape());
        }
    }
}
