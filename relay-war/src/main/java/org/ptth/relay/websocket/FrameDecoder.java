package org.ptth.relay.websocket;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the frames a WebSocket client sends (RFC 6455 section 5), however the reads split them.
 * Binary payload is unmasked in place and handed over as it arrives, in parts, without waiting
 * for a whole frame or message; control frames (at most 125 bytes) are gathered first, and may
 * come between the fragments of a message. Text messages are refused: the subprotocol uses
 * binary messages only. One decoder per connection, fed by one thread at a time.
 */
public final class FrameDecoder {

    /** What the decoder finds; every buffer is valid only during the call. */
    public interface Handler {
        /** Part of a binary message's payload; {@code messageEnds} on its last part (which may be empty). */
        void binary(ByteBuffer part, boolean messageEnds) throws WebSocketException;

        void ping(ByteBuffer payload);

        void pong(ByteBuffer payload);

        /** The peer's close frame: {@link CloseCodes#NO_STATUS} when it carried no code. Nothing is read after it. */
        void closeFrame(int code, String reason);
    }

    static final int OP_CONTINUATION = 0x0;
    static final int OP_TEXT = 0x1;
    static final int OP_BINARY = 0x2;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;
    static final int MAX_CONTROL_PAYLOAD = 125;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final Handler handler;
    private final long maxMessageBytes;
    /** Payload bytes of the binary message under way, counted as its frames' headers come. */
    private long messageBytes;
    /** The frame header being gathered: 2 to 14 bytes. */
    private final byte[] head = new byte[14];
    private int headHave;
    private int headNeed = 2;
    private boolean inPayload;
    private boolean fin;
    private int opcode;
    private long remaining;
    private int mask;
    /** Payload bytes of the current frame unmasked so far, modulo 4: where in the mask the next byte starts. */
    private int maskPhase;
    /** A binary message was begun by a frame without FIN: only continuation frames may carry on. */
    private boolean inMessage;
    private final byte[] control = new byte[MAX_CONTROL_PAYLOAD];
    private int controlHave;
    private boolean closed;

    /** A decoder that refuses (1009) a binary message of more than {@code maxMessageBytes} bytes, as soon as a header says so. */
    public FrameDecoder(final Handler handler, final long maxMessageBytes) {
        this.handler = handler;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** True once the peer's close frame was read; later bytes are ignored. */
    public boolean closeReceived() {
        return closed;
    }

    /** Decodes {@code length} bytes of {@code bytes} from {@code offset}, unmasking the payload in place. */
    public void feed(final byte[] bytes, final int offset, final int length) throws WebSocketException {
        int at = offset;
        final int end = offset + length;
        while (at < end && !closed) {
            if (!inPayload) {
                final int take = Math.min(headNeed - headHave, end - at);
                System.arraycopy(bytes, at, head, headHave, take);
                headHave += take;
                at += take;
                if (headHave == headNeed) {
                    headerComplete();
                }
                continue;
            }
            final int take = (int) Math.min(remaining, end - at);
            unmask(bytes, at, take, mask, maskPhase);
            maskPhase = (maskPhase + take) & 3;
            remaining -= take;
            if (isControl(opcode)) {
                System.arraycopy(bytes, at, control, controlHave, take);
                controlHave += take;
            } else {
                handler.binary(ByteBuffer.wrap(bytes, at, take), fin && remaining == 0);
            }
            at += take;
            if (remaining == 0) {
                frameComplete();
            }
        }
    }

    private void headerComplete() throws WebSocketException {
        if (headNeed == 2) {
            final int b0 = head[0] & 0xff;
            final int b1 = head[1] & 0xff;
            if ((b1 & 0x80) == 0) {
                throw protocolError("a client frame without a mask (RFC 6455 5.1)");
            }
            final int len7 = b1 & 0x7f;
            headNeed = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
            checkFirstByte(b0, len7);
            return;
        }
        final int len7 = head[1] & 0x7f;
        int at = 2;
        final long length;
        if (len7 == 126) {
            length = ((head[2] & 0xff) << 8) | (head[3] & 0xff);
            at = 4;
        } else if (len7 == 127) {
            length = ByteBuffer.wrap(head, 2, 8).getLong();
            at = 10;
            if (length < 0) {
                throw protocolError("a frame length with its most significant bit set (RFC 6455 5.2)");
            }
        } else {
            length = len7;
        }
        mask = ByteBuffer.wrap(head, at, 4).getInt();
        fin = (head[0] & 0x80) != 0;
        opcode = head[0] & 0x0f;
        if (!isControl(opcode)) {
            messageBytes = opcode == OP_CONTINUATION ? messageBytes + length : length;
            if (messageBytes > maxMessageBytes || messageBytes < 0) {
                throw new WebSocketException(CloseCodes.TOO_BIG, "a message of more than " + maxMessageBytes + " bytes");
            }
        }
        remaining = length;
        maskPhase = 0;
        controlHave = 0;
        headHave = 0;
        headNeed = 2;
        inPayload = true;
        if (length == 0) {
            if (!isControl(opcode)) {
                handler.binary(ByteBuffer.allocate(0), fin);
            }
            frameComplete();
        }
    }

    /** Checks what the first two bytes say, before the rest of the header is even read. */
    private void checkFirstByte(final int b0, final int len7) throws WebSocketException {
        if ((b0 & 0x70) != 0) {
            throw protocolError("reserved bits set, and no extension was negotiated");
        }
        final boolean frameFin = (b0 & 0x80) != 0;
        final int code = b0 & 0x0f;
        switch (code) {
            case OP_BINARY -> {
                if (inMessage) {
                    throw protocolError("a new message began before the previous one ended");
                }
            }
            case OP_CONTINUATION -> {
                if (!inMessage) {
                    throw protocolError("a continuation frame without a message to continue");
                }
            }
            case OP_TEXT -> throw protocolError("a text message: ptth-mux-1 uses binary messages only");
            case OP_CLOSE, OP_PING, OP_PONG -> {
                if (!frameFin) {
                    throw protocolError("a fragmented control frame");
                }
                if (len7 > MAX_CONTROL_PAYLOAD) {
                    throw protocolError("a control frame longer than 125 bytes");
                }
            }
            default -> throw protocolError(String.format("unknown opcode 0x%x", code));
        }
    }

    private void frameComplete() throws WebSocketException {
        inPayload = false;
        switch (opcode) {
            case OP_BINARY, OP_CONTINUATION -> inMessage = !fin;
            case OP_PING -> handler.ping(ByteBuffer.wrap(control, 0, controlHave));
            case OP_PONG -> handler.pong(ByteBuffer.wrap(control, 0, controlHave));
            case OP_CLOSE -> closeFrame();
            default -> throw new IllegalStateException("opcode " + opcode + " passed the header check");
        }
    }

    private void closeFrame() throws WebSocketException {
        if (controlHave == 1) {
            throw protocolError("a close frame with a one-byte payload");
        }
        int code = CloseCodes.NO_STATUS;
        String reason = "";
        if (controlHave >= 2) {
            code = ((control[0] & 0xff) << 8) | (control[1] & 0xff);
            if (!CloseCodes.sendable(code)) {
                throw protocolError("a close frame with status code " + code + ", which no endpoint may send");
            }
            try {
                reason = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(control, 2, controlHave - 2)).toString();
            } catch (final CharacterCodingException e) {
                throw new WebSocketException(CloseCodes.INVALID_PAYLOAD, "a close reason that is not UTF-8");
            }
        }
        closed = true;
        handler.closeFrame(code, reason);
    }

    private static boolean isControl(final int opcode) {
        return (opcode & 0x8) != 0;
    }

    private static WebSocketException protocolError(final String what) {
        return new WebSocketException(CloseCodes.PROTOCOL_ERROR, what);
    }

    /**
     * XORs {@code length} bytes with the mask, the first with mask byte {@code phase}: eight bytes at
     * a time, since a mask repeated twice is a long.
     */
    static void unmask(final byte[] bytes, final int offset, final int length, final int mask, final int phase) {
        int m = Integer.rotateLeft(mask, 8 * phase);
        final long m8 = ((long) m << 32) | (m & 0xffffffffL);
        int i = offset;
        final int end = offset + length;
        for (; i + 8 <= end; i += 8) {
            LONGS.set(bytes, i, (long) LONGS.get(bytes, i) ^ m8);
        }
        for (; i < end; i++) {
            bytes[i] ^= (byte) (m >>> 24);
            m = Integer.rotateLeft(m, 8);
        }
    }
}
