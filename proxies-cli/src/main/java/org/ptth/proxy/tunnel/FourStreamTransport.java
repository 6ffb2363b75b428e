package org.ptth.proxy.tunnel;

import java.util.concurrent.Executor;

import org.apache.hc.core5.util.Timeout;
import org.ptth.protocol.Headers;
import org.ptth.proxy.relayclient.RelayCall;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.RelayExchange;
import org.ptth.proxy.relayclient.StreamedResponse;

/**
 * Four exchanges per tunnel: the opening call's response carries the incoming direction, and the
 * outgoing one goes as one streamed POST of its own to upstream or downstream ({@link SegmentedTransport}
 * sends it as segments instead).
 */
class FourStreamTransport implements ClassicTransport {

    final RelayClient relay;
    final String server;
    final TunnelSettings settings;
    private final Executor pool;

    FourStreamTransport(final RelayClient relay, final String server, final TunnelSettings settings,
                        final Executor pool) {
        this.relay = relay;
        this.server = server;
        this.settings = settings;
        this.pool = pool;
    }

    @Override
    public final RelayExchange opening(final ClassicTunnel tunnel, final TunnelEndpoints endpoints) {
        return relay.post(server, endpoints.opening(), endpoints.arg(), null, Timeout.of(settings.peerTimeout()))
                .withHeader(Headers.CREDIT, Headers.ON);
    }

    /**
     * The outgoing direction runs on a pool thread: the classic client sends a whole body before it
     * reads the response, so it needs a thread of its own.
     */
    @Override
    public final void run(final ClassicTunnel tunnel, final TunnelEndpoints endpoints, final RelayExchange opening,
                          final StreamedResponse accepted) {
        final String outboundVerb = endpoints.outbound();
        final Runnable outbound = outbound(tunnel, outboundVerb, opening);
        try {
            pool.execute(outbound);
        } catch (final RuntimeException rejected) {
            tunnel.abort("no thread for " + outboundVerb + ": " + rejected.getMessage());
        }
        new InboundPump(tunnel, accepted, opening.description(), settings, pool).run();
    }

    /** Gives the tunnel its exchanges and returns what sends the outgoing direction on {@code verb}. */
    Runnable outbound(final ClassicTunnel tunnel, final String verb, final RelayExchange opening) {
        final OutboundEntity body = new OutboundEntity(tunnel, settings);
        final RelayCall outboundCall = relay.post(server, verb, tunnel.id(), body, Timeout.DISABLED);
        tunnel.attach(opening, outboundCall);
        return new OutboundSender(tunnel, outboundCall, body);
    }
}
