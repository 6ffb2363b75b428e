package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.ptth.proxy.framing.FrameWriter;

/**
 * The request body that carries what the local TCP peer sends: upstream on the client, downstream
 * on the server. It is chunked and unbounded, and writes frames as the socket delivers bytes.
 *
 * <p>It flushes whenever the socket has nothing more buffered, so a keystroke leaves at once while
 * bulk data goes out in large chunks. The socket's read timeout is the heartbeat clock: a read
 * that times out means nothing was sent for that long, so a HEARTBEAT goes out.
 */
public final class OutboundEntity extends AbstractHttpEntity {

    /** How the body ended, so the sender knows whether the exchange closed the direction. */
    public enum Ending { NONE, END, ABORT }

    static final int READ_BUFFER = 64 * 1024;

    private final Tunnel tunnel;
    private final int heartbeatMillis;
    private volatile Ending ending = Ending.NONE;
    private volatile String abortReason;

    public OutboundEntity(final Tunnel tunnel, final TunnelSettings settings) {
        super(ContentType.APPLICATION_OCTET_STREAM, null, true);
        this.tunnel = tunnel;
        this.heartbeatMillis = (int) Math.min(Integer.MAX_VALUE, settings.heartbeat().toMillis());
    }

    @Override
    public void writeTo(final OutputStream out) throws IOException {
        final Socket socket = tunnel.socket();
        final InputStream in = socket.getInputStream();
        socket.setSoTimeout(heartbeatMillis);
        final FrameWriter frames = new FrameWriter(out);
        frames.preamble();
        frames.flush();
        final byte[] buffer = new byte[READ_BUFFER];
        while (true) {
            final int count;
            try {
                count = in.read(buffer);
            } catch (final SocketTimeoutException quiet) {
                frames.heartbeat();
                frames.flush();
                continue;
            } catch (final IOException failed) {
                if (tunnel.isOver()) {
                    throw failed; // our own abort closed the socket: the exchange is being cancelled
                }
                abortReason = "TCP connection failed: " + failed.getMessage();
                tunnel.noteLocalFailure(abortReason);
                frames.abort(abortReason);
                frames.flush();
                ending = Ending.ABORT;
                return;
            }
            if (count < 0) {
                frames.end();
                frames.flush();
                ending = Ending.END;
                return;
            }
            frames.data(buffer, 0, count);
            tunnel.countFromSocket(count);
            if (in.available() == 0) {
                frames.flush();
            }
        }
    }

    public Ending ending() {
        return ending;
    }

    public String abortReason() {
        return abortReason;
    }

    @Override
    public InputStream getContent() {
        throw new UnsupportedOperationException("a tunnel body can only be written");
    }

    @Override
    public long getContentLength() {
        return -1;
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    @Override
    public void close() {
        // the socket belongs to the tunnel, which closes it
    }
}
