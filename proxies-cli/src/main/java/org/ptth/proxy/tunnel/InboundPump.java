package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;

import org.ptth.protocol.pth1.Frame;
import org.ptth.protocol.pth1.FrameReader;
import org.ptth.protocol.pth1.FramingException;
import org.ptth.proxy.relayclient.StreamedResponse;
import org.ptth.protocol.Reasons;

/**
 * Moves the incoming direction (downstream on the client, upstream on the server) from a streamed
 * response body to the TCP socket. The response's read timeout is the peer-gone clock: heartbeats
 * arrive well within it while the peer lives.
 */
final class InboundPump implements Runnable {

    /** A peer's ABORT may carry up to a megabyte of any bytes: the log line gets this much, escaped. */
    static final int MAX_LOGGED_REASON = 1024;

    private final ClassicTunnel tunnel;
    private final Executor pool;
    private final StreamedResponse response;
    private final String description;
    private final long peerTimeoutSeconds;
    private boolean closed;

    InboundPump(final ClassicTunnel tunnel, final StreamedResponse response, final String description,
                final TunnelSettings settings, final Executor pool) {
        this.pool = pool;
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
            // after a clean end the exchange finished by itself; otherwise cut it short
            if (!closed) {
                response.close();
            }
        }
    }

    private void pump() throws IOException {
        final FrameReader frames = new FrameReader(response.body());
        final OutputStream toSocket = tunnel.socket().getOutputStream();
        // With flow control a writer thread of its own feeds the socket, and this one reads on.
        final InboundWriter writer = tunnel.flow().enabled() ? new InboundWriter(tunnel) : null;
        if (writer != null) {
            frames.withFlowControl();
            try {
                pool.execute(writer);
            } catch (final RuntimeException rejected) {
                tunnel.abort("no thread to write " + description + " to the socket: " + rejected.getMessage());
                return;
            }
        }
        while (true) {
            final Frame frame = frames.next();
            if (frame == null) {
                // the body's clean end, after END: the peer's tunnel is over too
                closeGracefully();
                return;
            }
            switch (frame.type()) {
                case DATA:
                    if (writer == null) {
                        writeToSocket(toSocket, frame.payload());
                    } else if (!writeLater(writer, frame.payload())) {
                        tunnel.abort(description + ": the peer sent more than the credit it was given");
                        return;
                    }
                    break;
                case CREDIT:
                    tunnel.flow().granted(frame.credit());
                    break;
                case HEARTBEAT:
                    break;
                case END:
                    if (writer != null) {
                        writer.end(); // the socket is shut once the bytes before END are written
                        break; // the body goes on with CREDIT and HEARTBEAT until it ends
                    }
                    tunnel.socket().shutdownOutput();
                    tunnel.inboundEnded();
                    // the rest of the body is only its last chunk
                    closeGracefully();
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

    private static boolean writeLater(final InboundWriter writer, final byte[] payload) throws IOException {
        try {
            return writer.data(payload);
        } catch (final InterruptedException stop) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /** After a clean end: the exchange finishes by itself, and its connection goes back to the pool. */
    private void closeGracefully() {
        closed = true;
        response.closeGracefully();
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
