package org.ptth.proxy.tunnel;

import java.io.IOException;
import java.io.InterruptedIOException;

import org.ptth.protocol.pth1.FrameWriter;
import org.ptth.proxy.tunnel.ClassicTunnel.Ending;

/**
 * What the local TCP peer sends, as frames: one read of the socket becomes DATA, a HEARTBEAT for a
 * quiet interval, END at the end of the stream or ABORT on a failure. Both upload forms use it;
 * they differ only in how the frames reach the relay.
 */
final class OutboundFrames {

    /** Interactive tunnels never need more; bulk data doubles it up to the caller's maximum. */
    private static final int FIRST_READ = 8 * 1024;

    private final SocketInput input;
    private final FlowControl flow;
    private final long heartbeatMillis;
    private final int maxRead;
    private byte[] buffer;
    private String abortReason;

    OutboundFrames(final ClassicTunnel tunnel, final TunnelSettings settings, final int maxRead) throws IOException {
        this.input = new SocketInput(tunnel, settings);
        this.flow = tunnel.flow();
        this.heartbeatMillis = settings.heartbeat().toMillis();
        this.maxRead = maxRead;
        this.buffer = new byte[Math.min(FIRST_READ, maxRead)];
    }

    /**
     * Reads once from the socket, within the credit the peer granted, and writes what that read
     * means: into {@code frames} directly (a segment, flushed by its sender), or through the
     * tunnel's streamed {@code channel} when there is one, flushed when the socket has no more.
     *
     * @return {@link Ending#NONE} while the direction goes on, else how it ended
     * @throws IOException when the tunnel is already over, or writing the frames failed
     */
    Ending next(final FrameWriter frames, final OutboundChannel channel) throws IOException {
        final int allowed;
        try {
            allowed = flow.awaitCredit(heartbeatMillis);
        } catch (final InterruptedException stop) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for credit");
        }
        if (allowed == 0) {
            // the peer's TCP reader is slow: nothing may go, but the body must stay alive
            emit(frames, channel, FrameWriter::heartbeat, true);
            return Ending.NONE;
        }
        final SocketRead read = input.read(buffer, 0, Math.min(buffer.length, allowed));
        switch (read.kind()) {
            case QUIET:
                emit(frames, channel, FrameWriter::heartbeat, true);
                return Ending.NONE;
            case END_OF_STREAM:
                emit(frames, channel, FrameWriter::end, true);
                return Ending.END;
            case FAILED:
                abortReason = read.failure();
                emit(frames, channel, writer -> writer.abort(abortReason), true);
                return Ending.ABORT;
            default: // DATA
                final int count = read.count();
                flow.spent(count);
                final byte[] bytes = buffer;
                emit(frames, channel, writer -> writer.data(bytes, 0, count), !input.hasMore());
                if (count == buffer.length && buffer.length < maxRead) {
                    buffer = new byte[Math.min(buffer.length * 2, maxRead)];
                }
                return Ending.NONE;
        }
    }

    private static void emit(final FrameWriter frames, final OutboundChannel channel,
                             final OutboundChannel.FrameWrite write, final boolean flush) throws IOException {
        if (channel == null) {
            write.to(frames);
        } else {
            channel.write(write, flush);
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
