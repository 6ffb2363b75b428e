package org.ptth.proxy.tunnel;

import java.util.concurrent.Executor;

import org.ptth.proxy.relayclient.RelayExchange;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.StreamedResponse;

/**
 * How a terminator carries its tunnels over HTTP exchanges of their own (every transport but mux):
 * four-stream, four-stream with segmented uploads, or duplex, chosen once from the settings, so
 * that the openers never ask which. A new form of exchange is one more implementation here.
 */
public interface ClassicTransport {

    /**
     * Duplex when the settings say so, else four-stream (the form auto falls back to when the relay
     * offers no mux), its uploads streamed or in segments as the settings say.
     *
     * @param pool the tunnel threads, which run the outgoing direction
     */
    static ClassicTransport of(final RelayClient relay, final String server, final TunnelSettings settings,
                               final Executor pool) {
        if (settings.transport() == Transport.DUPLEX) {
            return new DuplexTransport(relay, server, settings, pool);
        }
        return settings.upload() == UploadMode.SEGMENTS
                ? new SegmentedTransport(relay, server, settings, pool)
                : new FourStreamTransport(relay, server, settings, pool);
    }

    /** The tunnel's opening call, not yet sent. */
    default TunnelCall call(final ClassicTunnel tunnel, final TunnelEndpoints endpoints) {
        return new TunnelCall(this, tunnel, endpoints);
    }

    /** The opening exchange in this transport's form, its answer to carry the incoming direction. */
    RelayExchange opening(ClassicTunnel tunnel, TunnelEndpoints endpoints);

    /**
     * Runs a tunnel whose opening call the relay accepted: starts the outgoing direction, then pumps
     * the incoming one ({@code accepted}'s body) on this thread until the tunnel ends.
     */
    void run(ClassicTunnel tunnel, TunnelEndpoints endpoints, RelayExchange opening, StreamedResponse accepted);
}
