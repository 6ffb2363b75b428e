package org.ptth.protocol.pth1;

/** The four frame types of protocol version 1, with their wire byte. */
public enum FrameType {
    DATA('D'),
    END('E'),
    HEARTBEAT('H'),
    ABORT('A');

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
