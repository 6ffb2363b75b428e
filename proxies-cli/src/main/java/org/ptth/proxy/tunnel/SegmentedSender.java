package org.ptth.proxy.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import org.ptth.protocol.pth1.FrameFormat;
import org.ptth.protocol.pth1.FrameWriter;
import org.ptth.proxy.relay.RelayCall;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.relay.RelayProblem;
import org.ptth.proxy.relay.RelayResponse;
import org.ptth.proxy.tunnel.OutboundEntity.Ending;

/**
 * Sends the outgoing direction as segments (docs/protocol.md, "Segmented uploads"): finite POSTs
 * with a Content-Length, one after the other, each sent once the relay answered the previous one
 * with 204. A segment holds what one read of the socket gave; their bodies, concatenated, are the
 * body the streaming form would have sent.
 */
final class SegmentedSender implements Runnable {

    /** The largest segment body the protocol allows. */
    static final int MAX_SEGMENT_BYTES = 512 * 1024;
    /** Room for data beside the preamble and one frame header, so no body exceeds the limit. */
    static final int MAX_SEGMENT_DATA = MAX_SEGMENT_BYTES - FrameFormat.PREAMBLE_BYTES - FrameFormat.HEADER_BYTES;

    private final Tunnel tunnel;
    private final RelayClient relay;
    private final String server;
    private final String verb;
    private final TunnelSettings settings;
    /** Segments sent so far: the next one's number. */
    private long sent;

    SegmentedSender(final Tunnel tunnel, final RelayClient relay, final String server, final String verb,
                    final TunnelSettings settings) {
        this.tunnel = tunnel;
        this.relay = relay;
        this.server = server;
        this.verb = verb;
        this.settings = settings;
    }

    @Override
    public void run() {
        final OutboundFrames source;
        try {
            source = new OutboundFrames(tunnel, settings, MAX_SEGMENT_DATA);
        } catch (final IOException failed) {
            tunnel.abort("TCP connection failed: " + failed.getMessage());
            return;
        }
        // The first segment, the preamble alone, goes at once: the relay expects each direction's
        // first body within seconds of the accept, whether or not the TCP peer has anything to say.
        final ByteArrayOutputStream preamble = new ByteArrayOutputStream();
        try {
            new FrameWriter(preamble).preamble();
        } catch (final IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        if (!send(preamble.toByteArray(), false)) {
            return;
        }
        while (true) {
            final ByteArrayOutputStream body = new ByteArrayOutputStream();
            final FrameWriter frames = new FrameWriter(body);
            final Ending ending;
            try {
                ending = source.next(frames);
            } catch (final IOException overAlready) {
                return; // our own abort closed the socket
            }
            final boolean last = ending != Ending.NONE;
            if (!send(body.toByteArray(), last)) {
                return;
            }
            if (last) {
                tunnel.outboundFinished(ending, source.abortReason(), verb + " segments");
                return;
            }
        }
    }

    /** Sends one segment and waits for its 204; any other outcome aborts the tunnel. */
    private boolean send(final byte[] body, final boolean last) {
        final RelayCall call = relay.postSegment(server, verb, tunnel.id(), body, sent++, last);
        tunnel.outboundCall(call);
        final RelayResponse response;
        try {
            response = call.execute();
        } catch (final IOException | RuntimeException failed) {
            tunnel.abort(call.description() + " segment failed: " + RelayProblem.describe(failed));
            return false;
        }
        if (response.status() != 204) {
            final String error = response.errorLine();
            response.close();
            tunnel.abort(call.description() + " segment rejected: " + error);
            return false;
        }
        response.closeGracefully();
        return true;
    }
}
