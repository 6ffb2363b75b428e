package org.ptth.proxy.tunnel;

import java.util.concurrent.Executor;

import org.apache.hc.core5.util.Timeout;
import org.ptth.proxy.relay.RelayCall;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.relay.RelayResponse;

/**
 * Starts both directions of an opened tunnel: the outgoing one on a pool thread (the classic
 * client sends a whole body before it reads the response, so it needs a thread of its own), as
 * one stream or as segments, and the incoming body on the calling thread.
 */
public final class TunnelPumps {

    private TunnelPumps() {
    }

    /**
     * @param inboundCall     the exchange whose response carries the incoming direction (connect or accept)
     * @param inbound         its 200 response, whose body is the stream of frames
     * @param outboundVerb    {@code upstream} or {@code downstream}
     */
    public static void run(final Tunnel tunnel, final RelayClient relay, final String server,
                           final RelayCall inboundCall, final RelayResponse inbound, final String outboundVerb,
                           final TunnelSettings settings, final Executor pool) {
        final Runnable outbound;
        if (settings.upload() == UploadMode.SEGMENTS) {
            tunnel.attach(inboundCall, null);
            outbound = new SegmentedSender(tunnel, relay, server, outboundVerb, settings);
        } else {
            final OutboundEntity body = new OutboundEntity(tunnel, settings);
            final RelayCall outboundCall = relay.post(server, outboundVerb, tunnel.id(), body, Timeout.DISABLED);
            tunnel.attach(inboundCall, outboundCall);
            outbound = new OutboundSender(tunnel, outboundCall, body);
        }
        try {
            pool.execute(outbound);
        } catch (final RuntimeException rejected) {
            tunnel.abort("no thread for " + outboundVerb + ": " + rejected.getMessage());
        }
        new InboundPump(tunnel, inbound, inboundCall.description(), settings).run();
    }
}
