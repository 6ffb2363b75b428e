package org.ptth.proxy.tunnel;

import java.util.concurrent.Executor;

import org.apache.hc.core5.util.Timeout;
import org.ptth.protocol.Headers;
import org.ptth.proxy.relayclient.RelayExchange;
import org.ptth.proxy.relayclient.RelayCall;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.StreamedResponse;

/**
 * Four exchanges per tunnel: the opening call's response carries the incoming direction, and the
 * outgoing one goes as a POST of its own to upstream or downstream, one streamed body or a sequence
 * of segments as the settings say.
 */
record FourStreamTransport(RelayClient relay, String server, TunnelSettings settings, Executor pool)
        implements ClassicTransport {

    @Override
    public RelayExchange opening(final ClassicTunnel tunnel, final TunnelEndpoints endpoints) {
        return relay.post(server, endpoints.opening(), endpoints.arg(), null, Timeout.of(settings.peerTimeout()))
                .withHeader(Headers.CREDIT, Headers.ON);
    }

    /**
     * The outgoing direction runs on a pool thread: the classic client sends a whole body before it
     * reads the response, so it needs a thread of its own.
     */
    @Override
    public void run(final ClassicTunnel tunnel, final TunnelEndpoints endpoints, final RelayExchange opening,
                    final StreamedResponse accepted) {
        final String outboundVerb = endpoints.outbound();
        final Runnable outbound;
        if (settings.upload() == UploadMode.SEGMENTS) {
            tunnel.attach(opening, null);
            outbound = new SegmentedSender(tunnel, relay, server, outboundVerb, settings);
        } else {
            final OutboundEntity body = new OutboundEntity(tunnel, settings);
            final RelayCall outboundCall = relay.post(server, outboundVerb, tunnel.id(), body, Timeout.DISABLED);
            tunnel.attach(opening, outboundCall);
            outbound = new OutboundSender(tunnel, outboundCall, body);
        }
        try {
            pool.execute(outbound);
        } catch (final RuntimeException rejected) {
            tunnel.abort("no thread for " + outboundVerb + ": " + rejected.getMessage());
        }
        new InboundPump(tunnel, accepted, opening.description(), settings, pool).run();
    }
}
