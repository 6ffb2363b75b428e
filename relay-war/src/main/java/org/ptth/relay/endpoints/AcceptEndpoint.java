package org.ptth.relay.endpoints;

import org.ptth.relay.errors.RelayException;

/** The server proxy reached its target and takes the connection; the response carries the upstream. */
final class AcceptEndpoint implements Endpoint {
    @Override
    public void handle(final Call call) throws RelayException {
        call.registry().accept(call.requireServer(), call.path().connectionId(), call.duplex(), call.starter());
    }
}
