package org.ptth.relay.endpoints;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.RelayContext;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.ErrorResponses;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Live figures for operators, monitoring and the benchmark: tunnels, parked polls, JVM threads and
 * heap. Guarded by the admin key; absent (404) when the configuration names none.
 */
@WebServlet(name = "ptth-status", urlPatterns = "/status", asyncSupported = true)
public final class StatusServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(final HttpServletRequest request, final HttpServletResponse response) throws IOException {
        if (!"POST".equals(request.getMethod())) {
            response.setHeader("Allow", "POST");
            ErrorResponses.send(response, 405, "the status endpoint takes POST", 0, false);
            return;
        }
        final RelayContext relay = RelayContext.of(getServletContext());
        final RelayConfig config = relay.config();
        if (config == null) {
            ErrorResponses.send(response, 503, relay.unavailableAnswer(), 10, false);
            return;
        }
        if (config.adminAuthenticator() == null) {
            ErrorResponses.send(response, 404, "no admin.key-sha256 configured", 0, false);
            return;
        }
        if (config.adminAuthenticator().authenticate(request.getHeader("Authorization")).isEmpty()) {
            ErrorResponses.send(response, 401, "missing or unknown key", 0, false);
            return;
        }
        if ("1".equals(request.getParameter("gc"))) {
            System.gc();
        }
        final String body = "tunnels=" + (relay.registry().liveTunnels() + relay.mux().liveTunnels()) + "\n"
                + "parked_polls=" + relay.registry().parkedPolls() + "\n"
                + "mux_connections=" + relay.mux().connections() + "\n"
                + "mux_buffered_bytes=" + relay.mux().bufferedBytes() + "\n"
                + "ports=" + relay.registry().activePorts() + "\n"
                + "buffer_bytes=" + relay.registry().bufferedBytes() + "\n"
                + "threads=" + ManagementFactory.getThreadMXBean().getThreadCount() + "\n"
                + "heap_used_bytes=" + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + "\n";
        response.setContentType("text/plain;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }
}
