package org.ptth.protocol.mux;

import java.nio.ByteBuffer;

/**
 * Cuts a connection's incoming bytes into frames, however the reads split them. Whole frames are
 * handed over as slices of the input, without a copy; only a frame that straddles two reads is
 * gathered in a buffer of its own, allocated when first needed. One parser per connection, used by
 * one thread at a time.
 */
public final class FrameParser {

    /** Receives each frame; {@code payload} is valid only during the call (copy what must be kept). */
    @FunctionalInterface
    public interface Sink {
        void frame(FrameType type, int tunnel, ByteBuffer payload) throws MuxProtocolException;
    }

    private final ByteBuffer header = ByteBuffer.allocate(Frames.HEADER_BYTES);
    private ByteBuffer straddling;
    private FrameType pendingType;
    private int pendingTunnel;
    private long frames;

    /** Parses every whole frame in {@code in} (consumed entirely) and keeps what is left of a partial one. */
    public void feed(final ByteBuffer in, final Sink sink) throws MuxProtocolException {
        if (pendingType != null || header.position() > 0) {
            if (!finishPartial(in, sink)) {
                return;
            }
        }
        while (in.remaining() >= Frames.HEADER_BYTES) {
            final int at = in.position();
            final int word = in.getInt(at);
            final FrameType type = type(word);
            final int length = word & 0xffffff;
            final int tunnel = in.getInt(at + 4);
            check(type, length, tunnel);
            if (in.remaining() < Frames.HEADER_BYTES + length) {
                break;
            }
            final ByteBuffer payload = in.slice(at + Frames.HEADER_BYTES, length);
            in.position(at + Frames.HEADER_BYTES + length);
            deliver(sink, type, tunnel, payload);
        }
        if (in.hasRemaining()) {
            startPartial(in);
        }
    }

    /** True when no partial frame is held: the input so far ended on a frame boundary. */
    public boolean atBoundary() {
        return pendingType == null && header.position() == 0;
    }

    /** How many frames this parser has handed over. */
    public long frames() {
        return frames;
    }

    private void startPartial(final ByteBuffer in) throws MuxProtocolException {
        if (in.remaining() < Frames.HEADER_BYTES) {
            header.put(in);
            return;
        }
        header.put(in.slice(in.position(), Frames.HEADER_BYTES));
        in.position(in.position() + Frames.HEADER_BYTES);
        beginPayload();
        straddling.put(in);
    }

    /** Completes the frame begun in an earlier read; false when {@code in} ran out first. */
    private boolean finishPartial(final ByteBuffer in, final Sink sink) throws MuxProtocolException {
        if (pendingType == null) {
            while (header.hasRemaining() && in.hasRemaining()) {
                header.put(in.get());
            }
            if (header.hasRemaining()) {
                return false;
            }
            beginPayload();
        }
        final int take = Math.min(straddling.remaining(), in.remaining());
        straddling.put(in.slice(in.position(), take));
        in.position(in.position() + take);
        if (straddling.hasRemaining()) {
            return false;
        }
        straddling.flip();
        final FrameType type = pendingType;
        pendingType = null;
        header.clear();
        deliver(sink, type, pendingTunnel, straddling);
        return true;
    }

    private void beginPayload() throws MuxProtocolException {
        final int word = header.getInt(0);
        final FrameType type = type(word);
        final int length = word & 0xffffff;
        final int tunnel = header.getInt(4);
        check(type, length, tunnel);
        if (straddling == null || straddling.capacity() < length) {
            straddling = ByteBuffer.allocate(Math.max(length, 4096));
        }
        straddling.clear().limit(length);
        pendingType = type;
        pendingTunnel = tunnel;
    }

    private void deliver(final Sink sink, final FrameType type, final int tunnel, final ByteBuffer payload)
            throws MuxProtocolException {
        frames++;
        sink.frame(type, tunnel, payload);
    }

    private static FrameType type(final int word) throws MuxProtocolException {
        final byte code = (byte) (word >>> 24);
        final FrameType type = FrameType.of(code);
        if (type == null) {
            throw new MuxProtocolException(String.format("unknown frame type 0x%02x", code & 0xff));
        }
        return type;
    }

    private static void check(final FrameType type, final int length, final int tunnel) throws MuxProtocolException {
        if (length > Frames.MAX_PAYLOAD) {
            throw new MuxProtocolException(type + " frame of " + length + " bytes: at most " + Frames.MAX_PAYLOAD);
        }
        if (type.connectionLevel() != (tunnel == 0)) {
            throw new MuxProtocolException(type + " frame with tunnel number " + Integer.toUnsignedString(tunnel)
                    + (type.connectionLevel() ? ": must be 0" : ": 0 is the connection's"));
        }
    }
}
