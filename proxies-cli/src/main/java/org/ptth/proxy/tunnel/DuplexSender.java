package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.ptth.protocol.pth1.FrameWriter;
import org.ptth.proxy.relayclient.DuplexCall;
import org.ptth.proxy.relayclient.RelayProblem;

/**
 * Writes the outgoing direction as the request body of a duplex exchange, with the same loop as
 * the four-stream upload ({@link OutboundEntity}), and reports to the tunnel how it ended: there
 * is no separate answer to wait for, the response is the other direction.
 */
final class DuplexSender implements DuplexCall.BodyWriter {

    private final ClassicTunnel tunnel;
    private final OutboundEntity frames;
    private final String description;
    private final Duration heartbeat;

    DuplexSender(final ClassicTunnel tunnel, final TunnelSettings settings, final String description) {
        this.tunnel = tunnel;
        this.heartbeat = settings.heartbeat();
        this.frames = new OutboundEntity(tunnel, settings, false);
        this.description = description;
    }

    /**
     * Writes the frames, then keeps the body open until the whole tunnel is over, and ends it
     * cleanly (returns, and HttpClient writes the last chunk) only if the tunnel ended cleanly.
     * While a body is open the relay is reading it, so it sees at once when this connection is
     * reset; a body already ended by END would leave the relay only writes to notice that with,
     * and a write that waits for a reader that is gone never fails (the relay would hold such a
     * tunnel until its idle timeout). END inside the body is the half-close; heartbeats follow it.
     */
    @Override
    public void writeTo(final OutputStream body) throws IOException {
        try {
            frames.writeTo(body);
        } catch (final IOException | RuntimeException failed) {
            if (!tunnel.isOver()) {
                tunnel.abort(description + " body failed: " + RelayProblem.describe(failed));
            }
            throw new IOException(description + " body failed", failed);
        }
        tunnel.outboundFinished(frames.ending(), frames.abortReason(), description);
        final TunnelOutcome outcome = awaitOutcome(new FrameWriter(body));
        if (outcome.aborted()) {
            // the abort has cut the connection; no clean end of the body must follow
            throw new IOException("tunnel aborted: " + outcome.reason());
        }
    }

    /**
     * Waits for the end of the tunnel with the body still open, and sends a HEARTBEAT on it every
     * heartbeat interval meanwhile: after END the body is otherwise silent, and the relay's read
     * timeout (Tomcat's connectionTimeout) would cut it while the other direction still streams.
     * The receiver reads nothing after END, so these frames reach nobody but the relay.
     */
    private TunnelOutcome awaitOutcome(final FrameWriter afterEnd) throws IOException {
        while (true) {
            try {
                return tunnel.outcome().get(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
            } catch (final TimeoutException quiet) {
                try {
                    afterEnd.heartbeat();
                    afterEnd.flush();
                } catch (final IOException broken) {
                    if (!tunnel.isOver()) {
                        tunnel.abort(description + " body failed after END: " + RelayProblem.describe(broken));
                    }
                    throw broken;
                }
            } catch (final InterruptedException stop) {
                Thread.currentThread().interrupt();
                tunnel.abort(description + ": interrupted");
                throw new IOException(description + ": interrupted", stop);
            } catch (final ExecutionException impossible) {
                throw new IOException(description + ": " + impossible.getCause(), impossible.getCause());
            }
        }
    }
}
