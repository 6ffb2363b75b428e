package org.ptth.relay.endpoints;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.RelayContext;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.ErrorResponses;

import java.io.IOException;

/**
 * {@code GET /metrics}: every metric of the relay in the Prometheus text format, for a scraper
 * that sends the key whose hash is {@code metrics.key-sha256} as {@code Authorization: Bearer}.
 * Absent (404) when the configuration names no such key.
 */
@WebServlet(name = "ptth-metrics", urlPatterns = "/metrics", asyncSupported = true)
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final PrometheusTextFormatWriter FORMAT = PrometheusTextFormatWriter.create();

    @Override
    protected void service(final HttpServletRequest request, final HttpServletResponse response) throws IOException {
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            response.setHeader("Allow", "GET");
            ErrorResponses.send(response, 405, "the metrics endpoint takes GET", 0, false);
            return;
        }
        final RelayContext relay = RelayContext.of(getServletContext());
        final RelayConfig config = relay.config();
        if (config == null) {
            ErrorResponses.send(response, 503, relay.unavailableAnswer(), 10, false);
            return;
        }
        if (config.metricsAuthenticator() == null) {
            ErrorResponses.send(response, 404, "no metrics.key-sha256 configured", 0, false);
            return;
        }
        if (config.metricsAuthenticator().authenticate(request.getHeader("Authorization")).isEmpty()) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"ptth-relay metrics\"");
            ErrorResponses.send(response, 401, "missing or unknown key", 0, false);
            return;
        }
        response.setContentType(FORMAT.getContentType());
        response.setHeader("Cache-Control", "no-store");
        if ("GET".equals(request.getMethod())) {
            FORMAT.write(response.getOutputStream(), relay.metrics().scrape());
        }
    }
}
