package org.ptth.relay.registry;

/** The protocol's own headers on the classic calls (docs/protocol.md), for every transport that answers them. */
public final class CallHeaders {
    /** The connection ID: on the listen poll's answer and the connect's response. */
    public static final String CONNECTION_ID = "Ptth-Connection-Id";
    /** "1" on connect or accept: the request body carries the other direction; the relay confirms it on the 200. */
    public static final String DUPLEX = "Ptth-Duplex";
    /** "1" on connect or accept: PTH1 flow control offered; the relay confirms it on the 200 when it is agreed. */
    public static final String FLOW_CONTROL = "Ptth-Credit";

    private CallHeaders() {
    }
}
