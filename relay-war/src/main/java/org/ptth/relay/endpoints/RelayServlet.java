package org.ptth.relay.endpoints;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.protocol.Endpoints;
import org.ptth.protocol.Refusal;
import org.ptth.relay.RelayContext;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.ErrorResponses;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.pump.Exchange;

import java.io.IOException;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The relay's only servlet: checks method, configuration, path and key in that order, then hands
 * the call to its endpoint. Every refusal is a status and one line of text.
 */
@WebServlet(name = "ptth-relay", urlPatterns = "/v1/*", asyncSupported = true, loadOnStartup = 1)
public final class RelayServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(RelayServlet.class.getName());

    private static final Map<String, Endpoint> ENDPOINTS = Map.of(
            Endpoints.LISTEN, new ListenEndpoint(),
            Endpoints.ACCEPT, new AcceptEndpoint(),
            Endpoints.REFUSE, new RefuseEndpoint(),
            Endpoints.DOWNSTREAM, new DownstreamEndpoint(),
            Endpoints.CONNECT, new ConnectEndpoint(),
            Endpoints.UPSTREAM, new UpstreamEndpoint());
    private static final MuxEndpoint MUX = new MuxEndpoint();

    @Override
    protected void service(final HttpServletRequest request, final HttpServletResponse response) throws IOException {
        try {
            if (MuxEndpoint.isMuxPath(request.getPathInfo())) {
                MUX.handle(request, response, RelayContext.of(getServletContext()));
                return;
            }
            if (!"POST".equals(request.getMethod())) {
                response.setHeader("Allow", "POST");
                throw new RelayException(Refusal.WRONG_METHOD.status(), "every relay endpoint takes POST");
            }
            final RelayContext relay = RelayContext.of(getServletContext());
            final RelayConfig config = relay.config();
            if (config == null) {
                throw RelayException.unavailable(relay.unavailableAnswer(), 10);
            }
            final EndpointPath path = EndpointPath.parse(request.getPathInfo());
            final Principal caller = config.authenticator().authenticate(request.getHeader("Authorization"))
                    .orElse(null);
            if (caller == null) {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"ptth-relay\"");
                throw RelayException.unauthorized();
            }
            final Endpoint endpoint = ENDPOINTS.get(path.verb());
            if (endpoint == null) {
                throw RelayException.badRequest("no such endpoint: " + ErrorResponses.oneLine(path.verb()));
            }
            endpoint.handle(new Call(caller, path, request, response, relay.registry(), relay.timers()));
        } catch (final RelayException e) {
            refuse(request, response, e);
        }
    }

    private static void refuse(final HttpServletRequest request, final HttpServletResponse response,
                               final RelayException e) throws IOException {
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine(request.getMethod() + " " + request.getRequestURI() + " from " + request.getRemoteAddr()
                    + ": " + e.status() + " " + e.getMessage());
        }
        final Exchange exchange = Exchange.of(request);
        if (exchange == null) {
            ErrorResponses.send(response, e); // still in the servlet's hands: UnreadBodyFilter drains it
        } else {
            // Refused after its exchange began: answered, drained and completed like any other call.
            exchange.answer(e.status(), e.getMessage(), e.retryAfterSeconds(), false);
        }
    }
}
