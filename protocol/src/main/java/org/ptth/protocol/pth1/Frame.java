package org.ptth.protocol.pth1;

import java.nio.charset.StandardCharsets;

/** One decoded frame: its type and its payload (empty for END and HEARTBEAT). */
public record Frame(FrameType type, byte[] payload) {

    /** The reason an ABORT frame carries, as text. */
    public String reason() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The increment a CREDIT frame grants. */
    public int credit() {
        return ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
    }
}
