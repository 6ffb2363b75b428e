package org.ptth.protocol.pth1;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the preamble and frames from a body stream.
 *
 * <p>Garbage (wrong preamble, unknown type, impossible length) throws {@link FramingException}
 * with a message that says so. A body that ends without END or ABORT was cut: the reader turns
 * that into an ABORT frame, so that the caller handles every kind of failed direction alike.
 * After END or ABORT the reader reads nothing more.
 */
public final class FrameReader {

    /** Reason of the ABORT frame made up for a body that ended too early. */
    public static final String CUT_REASON = "stream cut: the body ended without END or ABORT";

    private final InputStream in;
    private final byte[] header = new byte[FrameFormat.HEADER_BYTES];
    private boolean preambleSeen;
    private boolean finished;
    private boolean afterEnd;
    private boolean creditAllowed;

    public FrameReader(final InputStream in) {
        this.in = in;
    }

    /**
     * On a tunnel with flow control: CREDIT frames are taken, and a body goes on after END with
     * CREDIT and HEARTBEAT frames until it ends; {@link #next()} then returns null.
     */
    public void withFlowControl() {
        creditAllowed = true;
    }

    /** The next frame; after END or ABORT this is an error of the caller, but with flow control after END. */
    public Frame next() throws IOException {
        if (finished && !afterEnd) {
            throw new IllegalStateException("the stream already ended");
        }
        if (afterEnd) {
            return nextAfterEnd();
        }
        try {
            if (!preambleSeen) {
                readPreamble();
                preambleSeen = true;
            }
            final Frame frame = readFrame();
            finished = frame.type() == FrameType.END || frame.type() == FrameType.ABORT;
            afterEnd = creditAllowed && frame.type() == FrameType.END;
            return frame;
        } catch (final EOFException cut) {
            finished = true;
            return new Frame(FrameType.ABORT, CUT_REASON.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** After END: CREDIT or HEARTBEAT, or null at the body's end; anything else is garbage. */
    private Frame nextAfterEnd() throws IOException {
        final int first = in.read();
        if (first < 0) {
            afterEnd = false;
            return null;
        }
        header[0] = (byte) first;
        readFully(header, 1);
        final Frame frame = frame();
        if (frame.type() != FrameType.CREDIT && frame.type() != FrameType.HEARTBEAT) {
            throw new FramingException("garbage in ptth stream: " + frame.type() + " frame after END");
        }
        return frame;
    }

    private void readPreamble() throws IOException {
        final byte[] seen = new byte[FrameFormat.PREAMBLE.length];
        final int got = readUpTo(seen);
        for (int i = 0; i < got; i++) {
            if (seen[i] != FrameFormat.PREAMBLE[i]) {
                throw new FramingException("garbage instead of a ptth stream: expected the PTH1 preamble, got "
                        + printable(seen, got) + " (is a web server or proxy answering in place of the relay?)");
            }
        }
        if (got < seen.length) {
            throw new EOFException();
        }
    }

    private Frame readFrame() throws IOException {
        readFully(header);
        return frame();
    }

    /** The frame whose header is in {@link #header}: its payload is read. */
    private Frame frame() throws IOException {
        final FrameType type = FrameType.ofCode(header[0]);
        if (type == null || (type == FrameType.CREDIT && !creditAllowed)) {
            throw new FramingException("garbage in ptth stream: unknown frame type " + describe(header[0]));
        }
        final int length = ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
        checkLength(type, length);
        final byte[] payload = new byte[length];
        readFully(payload);
        return new Frame(type, payload);
    }

    private static void checkLength(final FrameType type, final int length) throws FramingException {
        final boolean fits;
        switch (type) {
            case DATA:
                fits = length >= 1 && length <= FrameFormat.MAX_DATA;
                break;
            case ABORT:
                fits = length <= FrameFormat.MAX_REASON;
                break;
            case CREDIT:
                fits = length == FrameFormat.CREDIT_BYTES;
                break;
            default:
                fits = length == 0;
        }
        if (!fits) {
            throw new FramingException("garbage in ptth stream: " + type + " frame with impossible length " + length);
        }
    }

    private void readFully(final byte[] into) throws IOException {
        readFully(into, 0);
    }

    private void readFully(final byte[] into, final int from) throws IOException {
        int done = from;
        while (done < into.length) {
            final int n = in.read(into, done, into.length - done);
            if (n < 0) {
                throw new EOFException();
            }
            done += n;
        }
    }

    /** Reads until the array is full or the stream ends; returns how many bytes came. */
    private int readUpTo(final byte[] into) throws IOException {
        int done = 0;
        while (done < into.length) {
            final int n = in.read(into, done, into.length - done);
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    private static String describe(final byte code) {
        final int value = code & 0xff;
        final String hex = String.format("0x%02x", value);
        return value >= 0x20 && value < 0x7f ? hex + " ('" + (char) value + "')" : hex;
    }

    private static String printable(final byte[] bytes, final int length) {
        final StringBuilder text = new StringBuilder("\"");
        for (int i = 0; i < length; i++) {
            final int value = bytes[i] & 0xff;
            text.append(value >= 0x20 && value < 0x7f ? String.valueOf((char) value) : String.format("\\x%02x", value));
        }
        return text.append('"').toString();
    }
}
