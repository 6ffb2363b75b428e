package org.ptth.proxy.tunnel;

import java.util.concurrent.Executor;

import org.ptth.protocol.Headers;
import org.ptth.proxy.relayclient.DuplexCall;
import org.ptth.proxy.relayclient.RelayExchange;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.StreamedResponse;

/**
 * One duplex exchange per end of a tunnel (docs/protocol.md, "Duplex mode"): the opening call's
 * request body carries the outgoing direction from the moment its head is sent, so the first bytes
 * travel with the request instead of waiting for the answer; its response carries the incoming one.
 */
record DuplexTransport(RelayClient relay, String server, TunnelSettings settings, Executor pool)
        implements ClassicTransport {

    @Override
    public RelayExchange opening(final ClassicTunnel tunnel, final TunnelEndpoints endpoints) {
        final DuplexSender sender = new DuplexSender(tunnel, settings,
                endpoints.opening() + " (" + endpoints.outbound() + ")");
        return relay.duplex(server, endpoints.opening(), endpoints.arg(), pool, settings.peerTimeout(), sender)
                .withHeader(Headers.CREDIT, Headers.ON);
    }

    /** The request body already carries the outgoing direction; the 200 must say it is duplex. */
    @Override
    public void run(final ClassicTunnel tunnel, final TunnelEndpoints endpoints, final RelayExchange opening,
                    final StreamedResponse accepted) {
        tunnel.attach(opening, opening);
        if (!DuplexCall.confirmed(accepted)) {
            tunnel.abort(opening.description() + ": the relay did not confirm duplex mode (no " + Headers.DUPLEX
                    + ": " + Headers.ON + "); it may be older than this proxy: use --transport four-stream");
            return;
        }
        new InboundPump(tunnel, accepted, opening.description(), settings, pool).run();
    }
}
