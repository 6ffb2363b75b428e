package org.ptth.relay.registry;

import jakarta.servlet.http.HttpServletResponse;
import org.ptth.protocol.Headers;

/** The head of the classic calls' streamed answers, for every transport that answers them. */
public final class CallHeaders {
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
            response.setHeader(Headers.DUPLEX, Headers.ON);
        } else {
            response.setHeader("Connection", "close");
        }
        if (flowControl) {
            response.setHeader(Headers.CREDIT, Headers.ON);
        }
    }
}
