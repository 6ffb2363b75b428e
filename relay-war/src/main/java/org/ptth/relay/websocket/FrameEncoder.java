package org.ptth.relay.websocket;

import java.nio.ByteBuffer;

import org.ptth.protocol.Reasons;

/**
 * Writes the frames a WebSocket server sends (RFC 6455 section 5): unmasked, each message one
 * frame. A binary message's header is written in front of its payload, into room the caller left,
 * so that header and payload leave in one write.
 */
public final class FrameEncoder {
    /** Room to leave in front of a payload: the longest server header (2 + 8 bytes). */
    public static final int HEADER_ROOM = 10;
    /** A close reason fits a control frame with its two-byte code. */
    static final int MAX_CLOSE_REASON = FrameDecoder.MAX_CONTROL_PAYLOAD - 2;

    private FrameEncoder() {
    }

    /**
     * Writes the header of a binary message of {@code length} bytes so that it ends at
     * {@code payloadStart}; returns where it starts (at least {@code payloadStart - HEADER_ROOM}).
     */
    public static int binaryHeader(final byte[] buffer, final int payloadStart, final int length) {
        final int headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
        final int start = payloadStart - headerLength;
        buffer[start] = (byte) (0x80 | FrameDecoder.OP_BINARY);
        if (headerLength == 2) {
            buffer[start + 1] = (byte) length;
        } else if (headerLength == 4) {
            buffer[start + 1] = 126;
            buffer[start + 2] = (byte) (length >>> 8);
            buffer[start + 3] = (byte) length;
        } else {
            buffer[start + 1] = 127;
            ByteBuffer.wrap(buffer, start + 2, 8).putLong(length);
        }
        return start;
    }

    /** A pong carrying the ping's payload. */
    public static byte[] pong(final ByteBuffer pingPayload) {
        return control(FrameDecoder.OP_PONG, pingPayload.duplicate());
    }

    /** A close frame with a status code and a reason cut to fit. */
    public static byte[] close(final int code, final String reason) {
        final byte[] text = Reasons.truncate(reason == null ? "" : reason, MAX_CLOSE_REASON);
        final ByteBuffer payload = ByteBuffer.allocate(2 + text.length);
        payload.putShort((short) code).put(text).flip();
        return control(FrameDecoder.OP_CLOSE, payload);
    }

    private static byte[] control(final int opcode, final ByteBuffer payload) {
        final int length = payload.remaining();
        final byte[] frame = new byte[2 + length];
        frame[0] = (byte) (0x80 | opcode);
        frame[1] = (byte) length;
        payload.get(frame, 2, length);
        return frame;
    }
}
