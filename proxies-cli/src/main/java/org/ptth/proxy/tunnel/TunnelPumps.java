package org.ptth.proxy.tunnel;

import java.util.concurrent.Executor;

import org.apache.hc.core5.util.Timeout;
import org.ptth.proxy.relay.DuplexCall;
import org.ptth.proxy.relay.Exchange;
import org.ptth.proxy.relay.RelayCall;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.relay.StreamedResponse;

/**
 * Starts both directions of an opened tunnel: the outgoing one on a pool thread (the classic
 * client sends a whole body before it reads the response, so it needs a thread of its own), as
 * one stream, as segments, or as the body of the duplex exchange, and the incoming body on the
 * calling thread.
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
                           final Exchange inboundCall, final StreamedResponse inbound, final String outboundVerb,
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

    /**
     * Runs a tunnel opened with a duplex exchange. When the relay confirmed duplex, the exchange's
     * request body carries the outgoing direction; when it did not (a relay without duplex mode),
     * the body ends empty and the outgoing direction takes its own exchange, as in four-stream mode.
     *
     * @param call     the duplex connect or accept
     * @param inbound  its 200 response, whose body is the incoming stream of frames
     */
    public static void runDuplex(final Tunnel tunnel, final RelayClient relay, final String server,
                                 final DuplexCall call, final StreamedResponse inbound, final String outboundVerb,
                                 final TunnelSettings settings, final Executor pool) {
        if (!DuplexCall.confirmed(inbound)) {
            call.endBody();
            run(tunnel, relay, server, call, inbound, outboundVerb, settings.withTransport(Transport.FOUR_STREAM),
                    pool);
            return;
        }
        tunnel.attach(call, call);
        call.send(new DuplexSender(tunnel, settings, call.description() + " (" + outboundVerb + ")"));
        new InboundPump(tunnel, inbound, call.description(), settings).run();
    }
}
