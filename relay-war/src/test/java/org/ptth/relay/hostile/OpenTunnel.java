package org.ptth.relay.hostile;

import org.ptth.relay.support.RelayCalls;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;

/**
 * A tunnel of server srv opened with the protocol's plain HTTP calls (listen, connect, accept),
 * up to where both streamed responses have started: {@code connect} carries the downstream to the
 * client, {@code accept} the upstream to the server.
 */
record OpenTunnel(String id, HttpResponse<InputStream> connect, HttpResponse<InputStream> accept) {

    static OpenTunnel open(final RelayCalls calls, final String clientKey, final String port) throws Exception {
        final CompletableFuture<HttpResponse<String>> listen = calls.textAsync(SERVER_KEY, "v1/srv/listen/" + port);
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.download(clientKey, "v1/srv/connect/" + port);
        final HttpResponse<String> offered = listen.get(30, TimeUnit.SECONDS);
        assertEquals(200, offered.statusCode(), () -> "listen: " + offered.body());
        final String id = offered.body().strip();
        final HttpResponse<InputStream> accept = calls.download(SERVER_KEY, "v1/srv/accept/" + id).get(30, TimeUnit.SECONDS);
        assertEquals(200, accept.statusCode());
        final HttpResponse<InputStream> connected = connect.get(30, TimeUnit.SECONDS);
        assertEquals(200, connected.statusCode());
        assertEquals(id, connected.headers().firstValue("Ptth-Connection-Id").orElseThrow());
        return new OpenTunnel(id, connected, accept);
    }

    /** Reads a stream to its end; a stream cut short counts as ended too. Returns the bytes read. */
    static long drain(final InputStream in) {
        long n = 0;
        try (in) {
            final byte[] b = new byte[8192];
            int r;
            while ((r = in.read(b)) >= 0) {
                n += r;
            }
        } catch (final IOException cut) {
            // ended abruptly: ended all the same
        }
        return n;
    }
}
