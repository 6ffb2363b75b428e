package org.ptth.protocol.pth1;

import java.nio.ByteBuffer;
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

    /** The credit each direction of a tunnel with flow control starts with (docs/protocol.md, "Flow control"). */
    public static final int CREDIT_WINDOW = 1024 * 1024;

    /** A CREDIT frame's payload: a 4-byte big-endian increment. */
    public static final int CREDIT_BYTES = 4;

    /** ABORT reasons are for humans: a frame's worth is plenty. */
    static final int MAX_REASON = MAX_DATA;

    private FrameFormat() {
    }

    /** Writes the preamble into a buffer, for writers that gather frames before a non-blocking write. */
    public static void preamble(final ByteBuffer out) {
        out.put(PREAMBLE);
    }

    /** Writes a frame header into a buffer; the payload, if any, must follow. */
    public static void header(final ByteBuffer out, final FrameType type, final int length) {
        out.put(type.code()).put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length);
    }
}
