package org.ptth.relay.registry;

import jakarta.servlet.http.HttpServletResponse;

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

    /**
     * The head of a connect's or accept's streamed response, for every transport that answers one.
     * A four-stream sink (its request body empty, never read) also ends its connection: the relay
     * completes it from another call's thread, and Tomcat then queues a completion event of its own
     * that, when it runs late, registers read interest on the kept-alive connection once more; if the
     * proxy's next call on that connection is another connect, accept or listen poll, whose body is
     * never read either, that stale interest times out after the connector's connectionTimeout and
     * cuts the tunnel (20 s under redis load through four-stream). A duplex call reads its body, so
     * its read time stays fresh.
     */
    public static void streamingHead(final HttpServletResponse response, final boolean duplex,
                                     final boolean flowControl) {
        response.setStatus(200);
        response.setContentType("application/octet-stream");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Accel-Buffering", "no");
        if (duplex) {
            response.setHeader(DUPLEX, "1");
        } else {
            response.setHeader("Connection", "close");
        }
        if (flowControl) {
            response.setHeader(FLOW_CONTROL, "1");
        }
    }
}
