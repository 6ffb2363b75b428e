package org.ptth.relay.endpoints;

import org.ptth.relay.errors.RelayException;

import java.io.IOException;

/** One verb of the protocol, such as listen or connect. */
interface Endpoint {
    void handle(Call call) throws RelayException, IOException;
}
