package org.ptth.relay.mux;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.relay.pump.BufferBudget;

/**
 * The frames waiting to be written on one mux connection, from any thread, in order. Frames are
 * copied into chunks of a few KiB, whole (a frame never spans two chunks), and the connection's
 * writer takes as many whole chunks as fit into one message. Idle, it holds nothing. Every byte
 * queued counts against the relay's {@link BufferBudget}; the caller of {@link #drainInto}
 * gives them back once they are written.
 */
final class Outbox {
    private static final int CHUNK_BYTES = 16 * 1024;

    private final BufferBudget budget;
    private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
    private ByteBuffer spare;
    private long bytes;
    private boolean discarded;

    Outbox(final BufferBudget budget) {
        this.budget = budget;
    }

    synchronized boolean isEmpty() {
        return bytes == 0;
    }

    synchronized long bytes() {
        return bytes;
    }

    /** A frame with its payload (all remaining bytes of {@code payload}, which may be null for none). */
    synchronized void frame(final FrameType type, final int tunnel, final ByteBuffer payload) {
        final int length = payload == null ? 0 : payload.remaining();
        final ByteBuffer out = room(Frames.size(length));
        if (out != null) {
            Frames.header(out, type, tunnel, length);
            if (length > 0) {
                out.put(payload);
            }
        }
    }

    synchronized void open(final int tunnel, final String port, final String label, final ByteBuffer firstBytes) {
        final ByteBuffer out = room(Frames.size(Frames.openPayload(port, label, firstBytes.remaining())));
        if (out != null) {
            Frames.open(out, tunnel, port, label, firstBytes);
        }
    }

    synchronized void refuse(final int tunnel, final int status, final String reason) {
        final ByteBuffer out = room(Frames.size(2 + Frames.reasonPayload(reason)));
        if (out != null) {
            Frames.refuse(out, tunnel, status, reason);
        }
    }

    synchronized void abort(final int tunnel, final String reason) {
        final ByteBuffer out = room(Frames.size(Frames.reasonPayload(reason)));
        if (out != null) {
            Frames.abort(out, tunnel, reason);
        }
    }

    synchronized void credit(final int tunnel, final int increment) {
        final ByteBuffer out = room(Frames.size(4));
        if (out != null) {
            Frames.credit(out, tunnel, increment);
        }
    }

    synchronized void pong(final long token) {
        final ByteBuffer out = room(Frames.size(Frames.PING_BYTES));
        if (out != null) {
            Frames.pong(out, token);
        }
    }

    synchronized void goaway(final String reason) {
        final ByteBuffer out = room(Frames.size(Frames.reasonPayload(reason)));
        if (out != null) {
            Frames.goaway(out, reason);
        }
    }

    /**
     * Moves whole chunks, oldest first, into {@code message} from {@code offset} while they fit in
     * {@code capacity} bytes; returns the bytes moved (0 when nothing waits). The caller releases
     * them from the budget once written.
     */
    synchronized int drainInto(final byte[] message, final int offset, final int capacity) {
        int moved = 0;
        while (!chunks.isEmpty()) {
            final ByteBuffer chunk = chunks.peekFirst();
            final int length = chunk.position();
            if (moved + length > capacity) {
                break;
            }
            System.arraycopy(chunk.array(), 0, message, offset + moved, length);
            moved += length;
            chunks.pollFirst();
            if (chunk.capacity() == CHUNK_BYTES) {
                spare = chunk.clear();
            }
        }
        bytes -= moved;
        return moved;
    }

    /** Drops everything queued and everything put later: the connection is over. Returns what was dropped. */
    synchronized long discard() {
        discarded = true;
        final long dropped = bytes;
        chunks.clear();
        spare = null;
        bytes = 0;
        return dropped;
    }

    /** Room for a frame of {@code size} bytes at the end of the last chunk, or in a new one; null once discarded. */
    private ByteBuffer room(final int size) {
        if (discarded) {
            return null;
        }
        ByteBuffer last = chunks.peekLast();
        if (last == null || last.remaining() < size) {
            if (size <= CHUNK_BYTES) {
                last = spare != null ? spare : ByteBuffer.allocate(CHUNK_BYTES);
                spare = null;
            } else {
                last = ByteBuffer.allocate(size);
            }
            chunks.addLast(last);
        }
        bytes += size;
        budget.take(size);
        return last;
    }
}
