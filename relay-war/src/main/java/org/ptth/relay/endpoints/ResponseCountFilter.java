package org.ptth.relay.endpoints;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.RelayContext;
import org.ptth.relay.metrics.RelayMetrics;

import java.io.IOException;

/**
 * Counts every answer of the web application by status: at the end of the call for one answered
 * at once, when its async exchange completes for the others. Once per call, never per byte.
 */
@WebFilter(filterName = "ptth-response-count", urlPatterns = "/*", asyncSupported = true)
public final class ResponseCountFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doFilter(final HttpServletRequest request, final HttpServletResponse response,
                            final FilterChain chain) throws IOException, ServletException {
        try {
            chain.doFilter(request, response);
        } finally {
            final RelayContext relay = RelayContext.of(getServletContext());
            if (relay != null) {
                count(request, response, relay.metrics());
            }
        }
    }

    private static void count(final HttpServletRequest request, final HttpServletResponse response,
                              final RelayMetrics metrics) {
        if (!request.isAsyncStarted()) {
            metrics.answered(response.getStatus());
            return;
        }
        try {
            request.getAsyncContext().addListener(new AsyncListener() {
                @Override
                public void onComplete(final AsyncEvent event) {
                    try {
                        metrics.answered(response.getStatus());
                    } catch (final IllegalStateException recycled) {
                        // the container has let the call go already: not counted
                    }
                }

                @Override
                public void onTimeout(final AsyncEvent event) {
                }

                @Override
                public void onError(final AsyncEvent event) {
                }

                @Override
                public void onStartAsync(final AsyncEvent event) {
                }
            });
        } catch (final IllegalStateException alreadyOver) {
            metrics.answered(response.getStatus());
        }
    }
}
