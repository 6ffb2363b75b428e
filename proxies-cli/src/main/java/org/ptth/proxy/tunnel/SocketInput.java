package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * The reading side of a tunnel's TCP socket, for both upload forms. A read waits up to one
 * heartbeat interval for the first byte, then takes whatever the socket already holds, and tells
 * data, a quiet interval, the end of the stream and a failure apart.
 */
final class SocketInput {

    private final ClassicTunnel tunnel;
    private final InputStream in;

    SocketInput(final ClassicTunnel tunnel, final TunnelSettings settings) throws IOException {
        this.tunnel = tunnel;
        final Socket socket = tunnel.socket();
        this.in = socket.getInputStream();
        // the read timeout is the heartbeat clock: a read that times out means nothing to send
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.heartbeat().toMillis()));
    }

    /**
     * Reads what the socket has, up to {@code length} bytes.
     *
     * @throws IOException when the tunnel is already over: its own abort closed the socket
     */
    SocketRead read(final byte[] buffer, final int offset, final int length) throws IOException {
        final int first;
        try {
            first = in.read(buffer, offset, length);
        } catch (final SocketTimeoutException quiet) {
            return SocketRead.QUIET;
        } catch (final IOException failed) {
            if (tunnel.isOver()) {
                throw failed;
            }
            final String failure = "TCP connection failed: " + failed.getMessage();
            tunnel.noteLocalFailure(failure);
            return SocketRead.failed(failure);
        }
        if (first < 0) {
            return SocketRead.END_OF_STREAM;
        }
        int total = first;
        try {
            while (total < length && in.available() > 0) {
                final int more = in.read(buffer, offset + total, length - total);
                if (more < 0) {
                    break; // the next read reports the end
                }
                total += more;
            }
        } catch (final IOException later) {
            // the bytes in hand go out; the next read meets the failure again and reports it
        }
        tunnel.countFromSocket(total);
        return SocketRead.data(total);
    }

    /** Whether more bytes wait in the socket: if not, what was written must leave now. */
    boolean hasMore() {
        try {
            return in.available() > 0;
        } catch (final IOException failed) {
            return false;
        }
    }
}
