package org.ptth.protocol.pth1;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the preamble and frames to a body stream. It never flushes on its own: the caller knows
 * when its input ran dry, which is when bytes must leave at once.
 */
public final class FrameWriter {

    private final OutputStream out;
    private final byte[] header = new byte[FrameFormat.HEADER_BYTES];

    public FrameWriter(final OutputStream out) {
        this.out = out;
    }

    public void preamble() throws IOException {
        out.write(FrameFormat.PREAMBLE);
    }

    /** Writes bytes as DATA frames, split so that no frame exceeds the protocol's limit. */
    public void data(final byte[] bytes, final int offset, final int length) throws IOException {
        int done = 0;
        while (done < length) {
            final int part = Math.min(length - done, FrameFormat.MAX_DATA);
            writeHeader(FrameType.DATA, part);
            out.write(bytes, offset + done, part);
            done += part;
        }
    }

    public void end() throws IOException {
        writeHeader(FrameType.END, 0);
    }

    public void heartbeat() throws IOException {
        writeHeader(FrameType.HEARTBEAT, 0);
    }

    /** Grants the peer {@code bytes} more of DATA payload on this tunnel. */
    public void credit(final int bytes) throws IOException {
        writeHeader(FrameType.CREDIT, FrameFormat.CREDIT_BYTES);
        out.write(new byte[] {(byte) (bytes >>> 24), (byte) (bytes >>> 16), (byte) (bytes >>> 8), (byte) bytes});
    }

    public void abort(final String reason) throws IOException {
        byte[] text = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        if (text.length > FrameFormat.MAX_REASON) {
            text = Arrays.copyOf(text, FrameFormat.MAX_REASON);
        }
        writeHeader(FrameType.ABORT, text.length);
        out.write(text);
    }

    public void flush() throws IOException {
        out.flush();
    }

    private void writeHeader(final FrameType type, final int length) throws IOException {
        header[0] = type.code();
        header[1] = (byte) (length >>> 16);
        header[2] = (byte) (length >>> 8);
        header[3] = (byte) length;
        out.write(header);
    }
}
