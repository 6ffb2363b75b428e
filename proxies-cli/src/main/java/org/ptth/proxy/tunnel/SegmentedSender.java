package org.ptth.proxy.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.ptth.protocol.pth1.FrameFormat;
import org.ptth.protocol.pth1.FrameWriter;
import org.ptth.proxy.relayclient.RelayCall;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.RelayProblem;
import org.ptth.proxy.relayclient.RelayResponse;
import org.ptth.proxy.tunnel.ClassicTunnel.Ending;

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

    private final ClassicTunnel tunnel;
    private final RelayClient relay;
    private final String server;
    private final String verb;
    private final TunnelSettings settings;
    /** Segments sent so far: the next one's number. */
    private long sent;

    SegmentedSender(final ClassicTunnel tunnel, final RelayClient relay, final String server, final String verb,
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
        // From here on the socket writer of the other direction sends its grants as segments too.
        tunnel.channel().attachSegments(this::sendCredit);
        try {
            while (true) {
                final ByteArrayOutputStream body = new ByteArrayOutputStream();
                final FrameWriter frames = new FrameWriter(body);
                final Ending ending;
                try {
                    ending = source.next(frames, null);
                } catch (final IOException overAlready) {
                    return; // our own abort closed the socket
                }
                final boolean withFlowControl = ending == Ending.END && tunnel.flow().enabled();
                final boolean last = ending != Ending.NONE && !withFlowControl;
                if (!send(body.toByteArray(), last)) {
                    return;
                }
                if (withFlowControl) {
                    afterEnd();
                    return;
                }
                if (last) {
                    tunnel.outboundFinished(ending, source.abortReason(), verb + " segments");
                    return;
                }
            }
        } finally {
            tunnel.channel().detach();
        }
    }

    /**
     * With flow control the direction goes on after END until the tunnel is over: segments carry
     * the other direction's grants (sent by its socket writer) and a HEARTBEAT every interval; an
     * empty last segment ends it once the tunnel ended cleanly.
     */
    private void afterEnd() {
        tunnel.outboundEnded(); // END has gone through the relay: our half-close is on its way
        final long heartbeatMillis = settings.heartbeat().toMillis();
        while (true) {
            final TunnelOutcome outcome;
            try {
                outcome = tunnel.outcome().get(heartbeatMillis, TimeUnit.MILLISECONDS);
            } catch (final TimeoutException quiet) {
                final ByteArrayOutputStream body = new ByteArrayOutputStream();
                try {
                    new FrameWriter(body).heartbeat();
                } catch (final IOException impossible) {
                    throw new IllegalStateException(impossible);
                }
                if (!send(body.toByteArray(), false)) {
                    return;
                }
                continue;
            } catch (final InterruptedException stop) {
                Thread.currentThread().interrupt();
                tunnel.abort(verb + " segments: interrupted");
                return;
            } catch (final ExecutionException impossible) {
                return;
            }
            if (!outcome.aborted()) {
                send(new byte[0], true);
            }
            return;
        }
    }

    /** A grant of credit for the other direction, as a segment of its own. */
    private void sendCredit(final int bytes) throws IOException {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        new FrameWriter(body).credit(bytes);
        if (!send(body.toByteArray(), false)) {
            throw new IOException("the segment with the grant failed");
        }
    }

    /**
     * Sends one segment and waits for its 204; any other outcome aborts the tunnel. One at a time:
     * the socket writer of the other direction sends its grants through here too.
     */
    private synchronized boolean send(final byte[] body, final boolean last) {
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
