package org.ptth.relay.endpoints;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.RelayContext;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.errors.ErrorResponses;
import org.ptth.relay.errors.RelayException;

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
            "listen", new ListenEndpoint(),
            "accept", new AcceptEndpoint(),
            "refuse", new RefuseEndpoint(),
            "downstream", new DownstreamEndpoint(),
            "connect", new ConnectEndpoint(),
            "upstream", new UpstreamEndpoint());

    @Override
    protected void service(final HttpServletRequest request, final HttpServletResponse response) throws IOException {
        try {
            if (!"POST".equals(request.getMethod())) {
                response.setHeader("Allow", "POST");
                throw new RelayException(405, "every relay endpoint takes POST");
            }
            final RelayContext relay = RelayContext.of(getServletContext());
            final RelayConfig config = relay.config();
            if (config == null) {
                throw RelayException.unavailable(relay.unavailableReason(), 10);
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
            endpoint.handle(new Call(caller, path, request, response, relay.registry()));
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
        if (request.isAsyncStarted()) {
            ErrorResponses.send(response, e);
            request.getAsyncContext().complete();
            return;
        }
        if (!hasBody(request)) {
            ErrorResponses.send(response, e);
            return;
        }
        // The container would read an unread body to its end on this thread before freeing it, however
        // slowly it comes: answer at once, then let the body drain without blocking.
        final AsyncContext async = request.startAsync();
        async.setTimeout(0);
        ErrorResponses.send(response, e);
        response.flushBuffer();
        request.getInputStream().setReadListener(
                new BodyCollector(request.getInputStream(), 0, kept -> completeQuietly(async), () -> { }));
    }

    private static boolean hasBody(final HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    private static void completeQuietly(final AsyncContext async) {
        try {
            async.complete();
        } catch (final IllegalStateException alreadyOver) {
            // The container ended it first.
        }
    }
}
