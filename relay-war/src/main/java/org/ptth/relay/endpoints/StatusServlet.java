package org.ptth.relay.endpoints;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.RelayContext;
import org.ptth.relay.config.RelayConfig;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Live figures for operators, monitoring and the benchmark: tunnels, parked polls, JVM threads and
 * heap. Guarded by the admin key; absent (404) when the configuration names none.
 */
@WebServlet(name = "ptth-status", urlPatterns = "/status", asyncSupported = true)
public final class StatusServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final OperatorGate GATE = new OperatorGate("the status endpoint", List.of("POST"),
            "admin.key-sha256", RelayConfig::adminAuthenticator, null);

    @Override
    protected void service(final HttpServletRequest request, final HttpServletResponse response) throws IOException {
        final RelayContext relay = RelayContext.of(getServletContext());
        if (!GATE.admits(request, response, relay.config(), relay::unavailableAnswer)) {
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
