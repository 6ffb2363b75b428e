package org.ptth.relay.endpoints;

import org.ptth.relay.errors.RelayException;

/** A client asks for a port of a server; the response carries the downstream once the server accepts. */
final class ConnectEndpoint implements Endpoint {
    @Override
    public void handle(final Call call) throws RelayException {
        call.registry().connect(call.requireClient(), call.path().server(), call.path().portName(), call.duplex(),
                call.starter());
    }
}
