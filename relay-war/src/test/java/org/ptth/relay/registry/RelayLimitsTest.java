package org.ptth.relay.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.RelayCalls;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.support.EmbeddedRelay.ADMIN_KEY;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;

/** The relay-wide limits on waiting connects and on tunnels: 503 with Retry-After past them, and room again after. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayLimitsTest {

    @Test
    void pendingConnectsPerServerAreCapped() throws Exception {
        try (EmbeddedRelay relay = new EmbeddedRelay("limit.pending-connects-per-server=3\nconnect.wait=4s\n")) {
            assertLimit(relay, 3, "too many pending connects for server srv");
        }
    }

    @Test
    void tunnelsInAllAreCapped() throws Exception {
        try (EmbeddedRelay relay = new EmbeddedRelay("limit.tunnels=2\nconnect.wait=4s\n")) {
            assertLimit(relay, 2, "relay at its tunnel limit");
        }
    }

    /** {@code allowed} connects wait for a server that never listens; the next one is refused; once they end, room again. */
    private static void assertLimit(final EmbeddedRelay relay, final int allowed, final String reason) throws Exception {
        final RelayCalls calls = new RelayCalls(relay.baseUrl());
        final List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < allowed; i++) {
            waiting.add(calls.textAsync(CLIENT_KEY, "v1/srv/connect/nobody"));
        }
        awaitTunnels(calls, allowed);
        final HttpResponse<String> refused = calls.text(CLIENT_KEY, "v1/srv/connect/nobody");
        assertEquals(503, refused.statusCode());
        assertEquals(reason, refused.body().strip());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "Retry-After");
        for (final CompletableFuture<HttpResponse<String>> w : waiting) {
            assertEquals(404, w.get(60, TimeUnit.SECONDS).statusCode());
        }
        awaitTunnels(calls, 0);
        assertEquals(404, calls.text(CLIENT_KEY, "v1/srv/connect/nobody").statusCode());
    }

    private static void awaitTunnels(final RelayCalls calls, final int count) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String body = "";
        while (System.nanoTime() < deadline) {
            body = calls.text(ADMIN_KEY, "status").body();
            if (body.contains("tunnels=" + count + "\n")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("expected tunnels=" + count + ", status said: " + body);
    }
}
