package org.ptth.relay.endpoints;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.protocol.Endpoints;
import org.ptth.protocol.Names;
import org.ptth.protocol.Refusal;
import org.ptth.relay.RelayContext;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.websocket.Handshake;
import org.ptth.relay.websocket.UpgradedCarrier;

import java.io.IOException;

/**
 * {@code GET /v1/{server}/mux}: a proxy's multiplexed connection. The key is checked here, once,
 * before the upgrade: a server key for its own server only; a client key for any server name
 * (each OPEN is checked against its allow list). Then the WebSocket handshake, the relay's state
 * and the principal's connection limit; every refusal is an HTTP answer of the status table.
 */
final class MuxEndpoint {
    /** Whether the path is {@code /{server}/mux} (the servlet's path info). */
    static boolean isMuxPath(final String pathInfo) {
        return pathInfo != null && pathInfo.endsWith("/" + Endpoints.MUX) && pathInfo.indexOf('/', 1) == pathInfo.length() - 4;
    }

    void handle(final HttpServletRequest request, final HttpServletResponse response, final RelayContext relay)
            throws RelayException, IOException {
        if (!"GET".equals(request.getMethod())) {
            response.setHeader("Allow", "GET");
            throw new RelayException(Refusal.WRONG_METHOD.status(), "the mux endpoint takes GET with Upgrade: websocket");
        }
        final RelayConfig config = relay.config();
        if (config == null) {
            throw RelayException.unavailable(relay.unavailableAnswer(), 10);
        }
        final String server = request.getPathInfo().substring(1, request.getPathInfo().length() - 4);
        if (!Names.isValid(server)) {
            throw RelayException.badRequest("bad server name (" + Names.RULE + ")");
        }
        final Principal caller = config.authenticator().authenticate(request.getHeader("Authorization")).orElse(null);
        if (caller == null) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"ptth-relay\"");
            throw RelayException.unauthorized();
        }
        if (caller.isServer() && !caller.name().equals(server)) {
            throw RelayException.forbidden("this key belongs to another server");
        }
        final Handshake handshake = Handshake.check(request, response);
        final Runnable release = relay.mux().admit(caller);
        try {
            handshake.accept(response);
            final UpgradedCarrier carrier = request.upgrade(UpgradedCarrier.class);
            carrier.bind(relay.mux().connect(caller, server, request.getRemoteAddr(), carrier, release), relay.timers());
        } catch (final ServletException | RuntimeException e) {
            release.run();
            throw new RelayException(500, "the container cannot upgrade this connection: " + e.getMessage());
        }
    }
}
