package org.ptth.relay.endpoints;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.errors.ErrorResponses;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.registry.TunnelRegistry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server proxy could not reach its target: the client hears it at once, with the reason (the
 * body, at most 200 bytes). The body is read without blocking; if it is slow to come, the refusal
 * goes through after a short wait with what has arrived, so the client is never kept waiting.
 */
final class RefuseEndpoint implements Endpoint {
    private static final int MAX_REASON = 200;
    private static final long REASON_WAIT_MILLIS = 2000;

    @Override
    public void handle(final Call call) throws RelayException, IOException {
        final Principal server = call.requireServer();
        final String id = call.path().connectionId();
        final TunnelRegistry registry = call.registry();
        registry.checkRefusable(server, id);

        final AsyncContext async = call.request().startAsync();
        async.setTimeout(0);
        final ServletInputStream in = call.request().getInputStream();
        // Null until refused; then the error the refusal met, or "" when it went through.
        final AtomicReference<RelayException> outcome = new AtomicReference<>();
        final AtomicReference<Boolean> refused = new AtomicReference<>(false);
        final Runnable[] refuseWith = new Runnable[1];
        final BodyCollector body = new BodyCollector(in, MAX_REASON,
                kept -> {
                    refuseWith[0].run();
                    answer(async, outcome.get());
                },
                () -> refuseWith[0].run());
        refuseWith[0] = () -> {
            if (refused.compareAndSet(false, true)) {
                final String reason = ErrorResponses.oneLine(new String(body.kept(), StandardCharsets.UTF_8));
                try {
                    registry.refuse(server, id, reason);
                } catch (final RelayException e) {
                    outcome.set(e);
                }
            }
        };
        registry.schedule(REASON_WAIT_MILLIS, refuseWith[0]);
        in.setReadListener(body);
    }

    private static void answer(final AsyncContext async, final RelayException error) {
        try {
            final HttpServletResponse response = (HttpServletResponse) async.getResponse();
            if (error == null) {
                response.setStatus(204);
            } else {
                ErrorResponses.send(response, error);
            }
            async.complete();
        } catch (final IOException | IllegalStateException e) {
            // The caller went away; the refusal itself went through.
        }
    }
}
