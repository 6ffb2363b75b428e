package org.ptth.proxy.tunnel;

import java.io.IOException;

import org.ptth.proxy.relayclient.RelayCall;
import org.ptth.proxy.relayclient.RelayProblem;
import org.ptth.proxy.relayclient.RelayResponse;

/**
 * Runs the one streamed exchange that carries the outgoing direction (upstream or downstream) and
 * reports to the tunnel how it ended. The call blocks for the whole life of the direction.
 */
final class OutboundSender implements Runnable {

    private final ClassicTunnel tunnel;
    private final RelayCall call;
    private final OutboundEntity body;

    OutboundSender(final ClassicTunnel tunnel, final RelayCall call, final OutboundEntity body) {
        this.tunnel = tunnel;
        this.call = call;
        this.body = body;
    }

    @Override
    public void run() {
        final RelayResponse response;
        try {
            response = call.execute();
        } catch (final IOException | RuntimeException failed) {
            tunnel.abort(call.description() + " failed: " + RelayProblem.describe(failed));
            return;
        }
        final int status = response.status();
        if (status / 100 != 2) {
            final String error = response.errorLine();
            response.close();
            tunnel.abort(call.description() + " rejected: " + error);
            return;
        }
        response.closeGracefully();
        tunnel.outboundFinished(body.ending(), body.abortReason(), call.description());
    }
}
