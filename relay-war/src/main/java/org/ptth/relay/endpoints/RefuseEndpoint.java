package org.ptth.relay.endpoints;

import org.ptth.relay.errors.ErrorResponses;
import org.ptth.relay.errors.RelayException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The server proxy could not reach its target: the client hears it at once, with the reason. */
final class RefuseEndpoint implements Endpoint {
    private static final int MAX_REASON = 200;

    @Override
    public void handle(final Call call) throws RelayException, IOException {
        final var server = call.requireServer();
        final String id = call.path().connectionId();
        final byte[] reason;
        try (InputStream in = call.request().getInputStream()) {
            reason = in.readNBytes(MAX_REASON);
        }
        call.registry().refuse(server, id, ErrorResponses.oneLine(new String(reason, StandardCharsets.UTF_8)));
        call.response().setStatus(204);
    }
}
