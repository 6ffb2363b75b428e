package org.ptth.proxy.tunnel;

import java.util.concurrent.Executor;

import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.RelayExchange;

/**
 * Four-stream with the outgoing direction sent as segments (docs/protocol.md, "Segmented uploads"),
 * for reverse proxies that buffer request bodies: a sequence of finite POSTs, each its own exchange.
 */
final class SegmentedTransport extends FourStreamTransport {

    SegmentedTransport(final RelayClient relay, final String server, final TunnelSettings settings,
                       final Executor pool) {
        super(relay, server, settings, pool);
    }

    /** Each segment becomes the tunnel's outgoing exchange as it is sent. */
    @Override
    Runnable outbound(final ClassicTunnel tunnel, final String verb, final RelayExchange opening) {
        tunnel.attach(opening, null);
        return new SegmentedSender(tunnel, relay, server, verb, settings);
    }
}
