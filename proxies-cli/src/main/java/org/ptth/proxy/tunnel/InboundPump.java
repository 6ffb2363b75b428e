package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

import org.ptth.protocol.pth1.Frame;
import org.ptth.protocol.pth1.FrameReader;
import org.ptth.protocol.pth1.FramingException;
import org.ptth.proxy.relay.StreamedResponse;
import org.ptth.protocol.Reasons;

/**
 * Moves the incoming direction (downstream on the client, upstream on the server) from a streamed
 * response body to the TCP socket. The response's read timeout is the peer-gone clock: heartbeats
 * arrive well within it while the peer lives.
 */
final class InboundPump implements Runnable {

    /** A peer's ABORT may carry up to a megabyte of any bytes: the log line gets this much, escaped. */
    static final int MAX_LOGGED_REASON = 1024;

    private final Tunnel tunnel;
    private final StreamedResponse response;
    private final String description;
    private final long peerTimeoutSeconds;
    private boolean endReceived;

    InboundPump(final Tunnel tunnel, final StreamedResponse response, final String description,
                final TunnelSettings settings) {
        this.tunnel = tunnel;
        this.response = response;
        this.description = description;
        this.peerTimeoutSeconds = settings.peerTimeout().toSeconds();
    }

    @Override
    public void run() {
        try {
            pump();
        } catch (final SocketTimeoutException silent) {
            tunnel.abort("no frame on " + description + " for " + peerTimeoutSeconds + " s: the peer is gone");
        } catch (final FramingException garbage) {
            tunnel.abort(description + ": " + garbage.getMessage());
        } catch (final IOException | RuntimeException failed) {
            tunnel.abort(description + " broken: " + failed.getMessage());
        } finally {
            // after a clean END the exchange finishes by itself; otherwise cut it short
            if (!endReceived) {
                response.close();
            }
        }
    }

    private void pump() throws IOException {
        final FrameReader frames = new FrameReader(response.body());
        final OutputStream toSocket = tunnel.socket().getOutputStream();
        while (true) {
            final Frame frame = frames.next();
            switch (frame.type()) {
                case DATA:
                    writeToSocket(toSocket, frame.payload());
                    break;
                case HEARTBEAT:
                    break;
                case END:
                    endReceived = true;
                    tunnel.socket().shutdownOutput();
                    tunnel.inboundEnded();
                    // the rest of the body is only its last chunk
                    response.closeGracefully();
                    return;
                case ABORT:
                    tunnel.abort(frame.reason().equals(FrameReader.CUT_REASON)
                            ? description + ": " + FrameReader.CUT_REASON
                            : "peer aborted: " + Reasons.printable(ByteBuffer.wrap(frame.payload()), MAX_LOGGED_REASON));
                    return;
                default:
                    throw new IllegalStateException("unhandled frame type " + frame.type());
            }
        }
    }

    private void writeToSocket(final OutputStream toSocket, final byte[] bytes) throws IOException {
        try {
            toSocket.write(bytes);
        } catch (final IOException failed) {
            if (!tunnel.isOver()) {
                tunnel.abort("TCP connection failed: " + failed.getMessage());
            }
            throw failed;
        }
        tunnel.countToSocket(bytes.length);
    }
}
