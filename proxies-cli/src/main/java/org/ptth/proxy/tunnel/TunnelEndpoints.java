package org.ptth.proxy.tunnel;

import org.ptth.protocol.Endpoints;

/**
 * The relay endpoints of one end of a tunnel: its opening call (connect to a port, or accept of a
 * connection ID), whose answer carries the incoming direction, and the verb of the outgoing one.
 */
public record TunnelEndpoints(String opening, String arg, String outbound) {

    /** The client's: connect to a port; the outgoing direction is upstream. */
    public static TunnelEndpoints connect(final String port) {
        return new TunnelEndpoints(Endpoints.CONNECT, port, Endpoints.UPSTREAM);
    }

    /** The server's: accept a connection ID; the outgoing direction is downstream. */
    public static TunnelEndpoints accept(final String id) {
        return new TunnelEndpoints(Endpoints.ACCEPT, id, Endpoints.DOWNSTREAM);
    }
}
