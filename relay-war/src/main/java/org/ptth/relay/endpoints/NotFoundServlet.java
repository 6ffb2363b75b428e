package org.ptth.relay.endpoints;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.errors.ErrorResponses;

import java.io.IOException;

/**
 * Every path of the web application that is not an endpoint: 404 and one line. It takes the place
 * of the container's default and JSP servlets (the relay serves no file), so that such calls pass
 * {@link UnreadBodyFilter} too, which needs every servlet to support async mode.
 */
@WebServlet(name = "ptth-not-found", urlPatterns = {"/", "*.jsp", "*.jspx"}, asyncSupported = true)
public final class NotFoundServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(final HttpServletRequest request, final HttpServletResponse response) throws IOException {
        ErrorResponses.send(response, 404, "not a ptth relay endpoint (they are under v1/)", 0, false);
    }
}
