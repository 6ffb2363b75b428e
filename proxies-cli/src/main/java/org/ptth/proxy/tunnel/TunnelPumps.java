package org.ptth.proxy.tunnel;

import java.util.concurrent.Executor;

import org.apache.hc.core5.util.Timeout;
import org.ptth.protocol.Headers;
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
    /** Flow control holds when the relay's 200 confirms that both terminators offered it. */
    private static void settleFlowControl(final Tunnel tunnel, final StreamedResponse inbound) {
        if (!Headers.isOn(inbound.header(Headers.CREDIT))) {
            tunnel.flow().disable();
        }
    }

    public static void run(final Tunnel tunnel, final RelayClient relay, final String server,
                           final Exchange inboundCall, final StreamedResponse inbound, final String outboundVerb,
                           final TunnelSettings settings, final Executor pool) {
        settleFlowControl(tunnel, inbound);
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
        new InboundPump(tunnel, inbound, inboundCall.description(), settings, pool).run();
    }

    /**
     * A duplex connect or accept (docs/protocol.md, "Duplex mode") whose request body carries the
     * tunnel's outgoing direction from the moment its head is sent: the first bytes travel with the
     * request instead of waiting for the answer. Execute it, then hand its response to {@link #runDuplex}.
     *
     * @param outboundVerb {@code upstream} or {@code downstream}: what the body carries, for messages
     */
    public static DuplexCall duplexCall(final Tunnel tunnel, final RelayClient relay, final String server,
                                        final String verb, final String arg, final String outboundVerb,
                                        final TunnelSettings settings, final Executor pool) {
        final DuplexCall call = relay.duplex(server, verb, arg, pool, settings.peerTimeout(),
                new DuplexSender(tunnel, settings, verb + " (" + outboundVerb + ")"));
        return call.withHeader(Headers.CREDIT, Headers.ON);
    }

    /**
     * Runs a tunnel opened with a duplex exchange: its request body is already carrying the outgoing
     * direction; its response, a 200 with {@code Ptth-Duplex: 1}, carries the incoming one.
     */
    public static void runDuplex(final Tunnel tunnel, final DuplexCall call, final StreamedResponse inbound,
                                 final TunnelSettings settings, final Executor pool) {
        settleFlowControl(tunnel, inbound);
        tunnel.attach(call, call);
        if (!DuplexCall.confirmed(inbound)) {
            tunnel.abort(call.description() + ": the relay did not confirm duplex mode (no " + Headers.DUPLEX + ": " + Headers.ON + ");"
                    + " it may be older than this proxy: use --transport four-stream");
            return;
        }
        new InboundPump(tunnel, inbound, call.description(), settings, pool).run();
    }
}
