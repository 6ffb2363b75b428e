package org.ptth.relay.endpoints;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.pump.BodyDrain;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * In front of every servlet of the web application: a call answered without its body read (a
 * refusal, a 404, the status page) gets its answer at once, and the rest of its body is drained with
 * non-blocking reads before the call completes, its connection then closed. Otherwise the container
 * would read that body to its end on the request's thread, however slowly it came, and a few hundred
 * callers, with or without a key, could hold every thread. Calls the endpoints took into async mode
 * complete through {@link org.ptth.relay.pump.Exchange}, which drains them the same way.
 */
@WebFilter(filterName = "ptth-unread-body", urlPatterns = "/*", asyncSupported = true)
public final class UnreadBodyFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(UnreadBodyFilter.class.getName());

    @Override
    protected void doFilter(final HttpServletRequest request, final HttpServletResponse response,
                            final FilterChain chain) throws IOException, ServletException {
        chain.doFilter(request, response);
        if (request.isAsyncStarted()) {
            return; // the endpoint owns the call and its body
        }
        final boolean unread;
        try {
            unread = BodyDrain.unfinished(request);
        } catch (final IllegalStateException readAsText) {
            return; // read through getReader(): read, then
        }
        if (!unread) {
            return;
        }
        if (!request.isAsyncSupported()) {
            LOG.fine(() -> request.getRequestURI() + ": cannot drain the unread body (no async support)");
            return;
        }
        if (!response.isCommitted()) {
            response.setHeader("Connection", "close");
        }
        final AsyncContext async = request.startAsync();
        async.setTimeout(0);
        response.flushBuffer();
        BodyDrain.thenComplete(request.getInputStream(), () -> completeQuietly(async));
    }

    private static void completeQuietly(final AsyncContext async) {
        try {
            async.complete();
        } catch (final IllegalStateException alreadyOver) {
            LOG.log(Level.FINEST, "already completed by the container", alreadyOver);
        }
    }
}
