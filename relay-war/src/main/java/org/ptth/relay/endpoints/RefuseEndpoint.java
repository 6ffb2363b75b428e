package org.ptth.relay.endpoints;

import jakarta.servlet.ServletInputStream;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.errors.ErrorResponses;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.pump.Exchange;
import org.ptth.relay.registry.TunnelRegistry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

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

        final Exchange exchange = call.starter().start();
        final ServletInputStream in = exchange.input();
        final Refusing refusing = new Refusing(registry, server, id);
        final BodyCollector body = refusing.reader(in, exchange);
        call.timers().after(TimeUnit.MILLISECONDS.toNanos(REASON_WAIT_MILLIS), refusing::refuse);
        in.setReadListener(body);
    }

    /**
     * One refuse call: the refusal goes through once, at the body's end, when reading it fails, or
     * after the wait, whichever comes first; the call is answered at the body's end with its outcome.
     */
    private static final class Refusing {
        private final TunnelRegistry registry;
        private final Principal server;
        private final String id;
        private BodyCollector body;
        private boolean refused;
        /** What the refusal met, or null when it went through. */
        private RelayException error;

        Refusing(final TunnelRegistry registry, final Principal server, final String id) {
            this.registry = registry;
            this.server = server;
            this.id = id;
        }

        BodyCollector reader(final ServletInputStream in, final Exchange exchange) {
            body = new BodyCollector(in, MAX_REASON, kept -> answer(exchange), this::refuse);
            return body;
        }

        /** Synchronized: the answer waits for a refusal the timer has under way, to tell its outcome. */
        synchronized void refuse() {
            if (refused) {
                return;
            }
            refused = true;
            final String reason = ErrorResponses.oneLine(new String(body.kept(), StandardCharsets.UTF_8));
            try {
                registry.refuse(server, id, reason);
            } catch (final RelayException e) {
                error = e;
            }
        }

        private void answer(final Exchange exchange) {
            final RelayException failed;
            synchronized (this) {
                refuse();
                failed = error;
            }
            if (failed == null) {
                exchange.finish(204);
            } else {
                exchange.answer(failed.status(), failed.getMessage(), failed.retryAfterSeconds(), false);
            }
        }
    }
}
