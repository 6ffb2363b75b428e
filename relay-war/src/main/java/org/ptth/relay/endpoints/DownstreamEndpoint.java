package org.ptth.relay.endpoints;

import org.ptth.relay.errors.RelayException;

/** The server's request body, relayed to the client as the body of its connect response. */
final class DownstreamEndpoint implements Endpoint {
    @Override
    public void handle(final Call call) throws RelayException {
        call.registry().downstream(call.requireServer(), call.path().connectionId(), call.segment(),
                call.starter());
    }
}
