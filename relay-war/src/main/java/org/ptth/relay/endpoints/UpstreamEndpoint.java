package org.ptth.relay.endpoints;

import org.ptth.relay.errors.RelayException;

/** The client's request body, relayed to the server as the body of its accept response. */
final class UpstreamEndpoint implements Endpoint {
    @Override
    public void handle(final Call call) throws RelayException {
        call.registry().upstream(call.requireClient(), call.path().server(), call.path().connectionId(),
                call.segment(), call.starter());
    }
}
