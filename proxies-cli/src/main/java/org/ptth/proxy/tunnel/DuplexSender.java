package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.io.OutputStream;

import org.ptth.proxy.relay.DuplexCall;
import org.ptth.proxy.relay.RelayProblem;

/**
 * Writes the outgoing direction as the request body of a duplex exchange, with the same loop as
 * the four-stream upload ({@link OutboundEntity}), and reports to the tunnel how it ended once the
 * body has ended: there is no separate answer to wait for, the response is the other direction.
 */
final class DuplexSender implements DuplexCall.BodyWriter {

    private final Tunnel tunnel;
    private final OutboundEntity frames;
    private final String description;

    DuplexSender(final Tunnel tunnel, final TunnelSettings settings, final String description) {
        this.tunnel = tunnel;
        this.frames = new OutboundEntity(tunnel, settings, false);
        this.description = description;
    }

    @Override
    public void writeTo(final OutputStream body) {
        try {
            frames.writeTo(body);
            body.close(); // the last chunk
        } catch (final IOException | RuntimeException failed) {
            if (!tunnel.isOver()) {
                tunnel.abort(description + " body failed: " + RelayProblem.describe(failed));
            }
            return;
        }
        tunnel.outboundFinished(frames.ending(), frames.abortReason(), description);
    }
}
