package org.ptth.relay.endpoints;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.ptth.protocol.Headers;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.pump.Exchange;
import org.ptth.relay.registry.Segment;
import org.ptth.relay.registry.TunnelRegistry;
import org.ptth.relay.timing.Timers;

/** One authenticated call to an endpoint. */
record Call(Principal caller, EndpointPath path, HttpServletRequest request, HttpServletResponse response,
            TunnelRegistry registry, Timers timers) {

    /** A server key, for the server the path names. */
    Principal requireServer() throws RelayException {
        if (!caller.isServer()) {
            throw RelayException.forbidden("this endpoint is for server keys");
        }
        if (!caller.name().equals(path.server())) {
            throw RelayException.forbidden("this key belongs to another server");
        }
        return caller;
    }

    Principal requireClient() throws RelayException {
        if (caller.isServer()) {
            throw RelayException.forbidden("this endpoint is for client keys");
        }
        return caller;
    }

    boolean duplex() {
        return Headers.isOn(request.getHeader(Headers.DUPLEX));
    }

    /** The segment headers of a segmented upload, or null for a streaming body. */
    Segment segment() throws RelayException {
        return Segment.parse(request.getHeader(Headers.SEGMENT), request.getHeader(Headers.SEGMENT_NUMBER));
    }

    TunnelRegistry.ExchangeStarter starter() {
        final String label = path.verb() + " " + path.server() + "/" + path.argument();
        return () -> Exchange.start(request, response, label);
    }
}
