package org.ptth.relay.endpoints;

import org.ptth.relay.errors.RelayException;

/** A server's long poll for the next client on one of its ports. */
final class ListenEndpoint implements Endpoint {
    @Override
    public void handle(final Call call) throws RelayException {
        call.registry().listen(call.requireServer(), call.path().portName(), call.starter());
    }
}
