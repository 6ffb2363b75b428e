package org.ptth.relay.admin;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.RelayContext;
import org.ptth.relay.errors.ErrorResponses;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The status page, at the web application's own address ({@code BASE}). Who may see it is the
 * container's business, as for Tomcat's Manager: web.xml requires the role {@code ptth-admin},
 * granted in tomcat-users.xml or the realm (standalone mode: {@code --users FILE}). The page holds no
 * script and loads nothing: a refresh header reloads it, and the policy below forbids all else.
 */
@WebServlet(name = "ptth-status-page", urlPatterns = "", asyncSupported = true)
public final class StatusPageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String ROLE = "ptth-admin";

    @Override
    protected void service(final HttpServletRequest request, final HttpServletResponse response) throws IOException {
        if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
            response.setHeader("Allow", "GET");
            ErrorResponses.send(response, 405, "the status page takes GET", 0, false);
            return;
        }
        if (!request.isUserInRole(ROLE)) {
            // web.xml sends callers without the role away before this; a container told otherwise does not
            ErrorResponses.send(response, 403, "the status page needs the role " + ROLE, 0, false);
            return;
        }
        final RelayContext relay = RelayContext.of(getServletContext());
        final String webapp = request.getServerName() + getServletContext().getContextPath();
        final String page = StatusPage.render(webapp, relay.metrics(), Map.of(
                "server", relay.mux().connections(true), "client", relay.mux().connections(false)));
        response.setContentType("text/html;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        final byte[] body = page.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        if ("GET".equals(request.getMethod())) {
            response.getOutputStream().write(body);
        }
    }
}
