package org.ptth.proxy.tunnel;

import java.io.IOException;

import org.ptth.protocol.pth1.FrameWriter;
import org.ptth.proxy.tunnel.OutboundEntity.Ending;

/**
 * What the local TCP peer sends, as frames: one read of the socket becomes DATA, a HEARTBEAT for a
 * quiet interval, END at the end of the stream or ABORT on a failure. Both upload forms use it;
 * they differ only in how the frames reach the relay.
 */
final class OutboundFrames {

    /** Interactive tunnels never need more; bulk data doubles it up to the caller's maximum. */
    private static final int FIRST_READ = 8 * 1024;

    private final SocketInput input;
    private final int maxRead;
    private byte[] buffer;
    private String abortReason;

    OutboundFrames(final Tunnel tunnel, final TunnelSettings settings, final int maxRead) throws IOException {
        this.input = new SocketInput(tunnel, settings);
        this.maxRead = maxRead;
        this.buffer = new byte[Math.min(FIRST_READ, maxRead)];
    }

    /**
     * Reads once from the socket and writes what that read means. Does not flush.
     *
     * @return {@link Ending#NONE} while the direction goes on, else how it ended
     * @throws IOException when the tunnel is already over, or writing the frames failed
     */
    Ending next(final FrameWriter frames) throws IOException {
        final int count = input.read(buffer, 0, buffer.length);
        switch (count) {
            case SocketInput.QUIET:
                frames.heartbeat();
                return Ending.NONE;
            case SocketInput.EOF:
                frames.end();
                return Ending.END;
            case SocketInput.FAILED:
                abortReason = input.failure();
                frames.abort(abortReason);
                return Ending.ABORT;
            default:
                frames.data(buffer, 0, count);
                if (count == buffer.length && buffer.length < maxRead) {
                    buffer = new byte[Math.min(buffer.length * 2, maxRead)];
                }
                return Ending.NONE;
        }
    }

    /** Whether the socket holds more bytes already: if not, the frames written must leave now. */
    boolean socketHasMore() {
        return input.hasMore();
    }

    String abortReason() {
        return abortReason;
    }
}
