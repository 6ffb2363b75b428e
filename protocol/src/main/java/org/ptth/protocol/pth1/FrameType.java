package org.ptth.protocol.pth1;

/**
 * The frame types of protocol version 1, with their wire byte. CREDIT is sent only on a tunnel whose
 * two proxies agreed on flow control (docs/protocol.md, "Flow control").
 */
public enum FrameType {
    DATA('D'),
    END('E'),
    HEARTBEAT('H'),
    ABORT('A'),
    CREDIT('C');

    private final byte code;

    FrameType(final char code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The type for a wire byte, or null when the byte names no type (garbage). */
    static FrameType ofCode(final int code) {
        for (final FrameType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        return null;
    }
}
