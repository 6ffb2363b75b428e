package org.ptth.proxy.framing;

import java.nio.charset.StandardCharsets;

/** Constants of the framing: preamble, header size, payload limits. */
public final class FrameFormat {

    /** Every streamed body starts with these four bytes. */
    static final byte[] PREAMBLE = "PTH1".getBytes(StandardCharsets.US_ASCII);

    public static final int PREAMBLE_BYTES = 4;

    /** One type byte and a 3-byte big-endian payload length. */
    public static final int HEADER_BYTES = 4;

    /** Largest DATA payload the protocol allows. */
    public static final int MAX_DATA = 1_048_576;

    /** ABORT reasons are for humans: a frame's worth is plenty. */
    static final int MAX_REASON = MAX_DATA;

    private FrameFormat() {
    }
}
