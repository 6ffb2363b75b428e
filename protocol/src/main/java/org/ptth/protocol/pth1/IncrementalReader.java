package org.ptth.protocol.pth1;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads the preamble and frames of a body as its bytes come, for a reader that must not block
 * (the relay, joining a mux tunnel with a four-stream or duplex proxy). DATA is handed over in
 * parts as it arrives, never gathered, so a caller may read as few bytes as it likes; an ABORT's
 * reason is gathered, cut to {@link #MAX_REASON_KEPT} bytes. Garbage (a wrong preamble, an unknown
 * type, an impossible length, DATA or END after END) throws {@link FramingException} saying so.
 * After END only HEARTBEAT (and CREDIT, with flow control) may follow: a duplex body, or one with flow
 * control, stays open until its tunnel is over. After ABORT nothing is read.
 */
public final class IncrementalReader {
    /** ABORT reasons beyond this are skipped, not kept: they are for one log line. */
    public static final int MAX_REASON_KEPT = 1024;

    /** What the reader finds; every buffer is valid only during the call. */
    public interface Sink {
        void data(ByteBuffer part);

        void end();

        void heartbeat();

        void abort(String reason);

        /** A CREDIT frame, on a tunnel with flow control (see {@link #allowCredit()}). */
        default void credit(final int increment) {
        }
    }

    private final byte[] head = new byte[FrameFormat.PREAMBLE_BYTES];
    private int headHave;
    private boolean preambleSeen;
    private FrameType type;
    private int remaining;
    private final ByteBuffer reason = ByteBuffer.allocate(MAX_REASON_KEPT);
    private boolean ended;
    private boolean aborted;
    private boolean creditAllowed;
    private final ByteBuffer creditBytes = ByteBuffer.allocate(FrameFormat.CREDIT_BYTES);

    /** On a tunnel with flow control: CREDIT frames are taken (as after END), not refused as garbage. */
    public IncrementalReader allowCredit() {
        creditAllowed = true;
        return this;
    }

    /** Whether END came (the direction is over; heartbeats may still follow). */
    public boolean ended() {
        return ended;
    }

    /** Whether ABORT came: nothing more is read. */
    public boolean aborted() {
        return aborted;
    }

    /** Whether the bytes so far end on a frame boundary (past the preamble). */
    public boolean atBoundary() {
        return type == null && headHave == 0;
    }

    /** Reads every byte of {@code in}. */
    public void feed(final ByteBuffer in, final Sink sink) throws FramingException {
        while (in.hasRemaining() && !aborted) {
            if (type == null) {
                final int take = Math.min(head.length - headHave, in.remaining());
                in.get(head, headHave, take);
                headHave += take;
                if (headHave < head.length) {
                    return;
                }
                headHave = 0;
                if (!preambleSeen) {
                    checkPreamble();
                    preambleSeen = true;
                    continue;
                }
                startFrame(sink);
                continue;
            }
            final int take = Math.min(remaining, in.remaining());
            final ByteBuffer part = in.slice(in.position(), take);
            in.position(in.position() + take);
            remaining -= take;
            if (type == FrameType.DATA) {
                sink.data(part);
            } else if (type == FrameType.CREDIT) {
                creditBytes.put(part);
            } else if (reason.remaining() > 0) {
                reason.put(part.limit(Math.min(part.limit(), reason.remaining())));
            }
            if (remaining == 0) {
                endFrame(sink);
            }
        }
    }

    private void checkPreamble() throws FramingException {
        for (int i = 0; i < head.length; i++) {
            if (head[i] != FrameFormat.PREAMBLE[i]) {
                throw new FramingException("garbage instead of a ptth stream: expected the PTH1 preamble, got "
                        + printable(head));
            }
        }
    }

    private void startFrame(final Sink sink) throws FramingException {
        final FrameType t = FrameType.ofCode(head[0]);
        final int length = ((head[1] & 0xff) << 16) | ((head[2] & 0xff) << 8) | (head[3] & 0xff);
        if (t == null) {
            throw new FramingException(String.format("garbage in ptth stream: unknown frame type 0x%02x", head[0] & 0xff));
        }
        if (t == FrameType.CREDIT && !creditAllowed) {
            throw new FramingException("garbage in ptth stream: CREDIT on a tunnel without flow control");
        }
        final boolean fits = switch (t) {
            case DATA -> length >= 1 && length <= FrameFormat.MAX_DATA;
            case ABORT -> length <= FrameFormat.MAX_REASON;
            case CREDIT -> length == FrameFormat.CREDIT_BYTES;
            default -> length == 0;
        };
        if (!fits) {
            throw new FramingException("garbage in ptth stream: " + t + " frame with impossible length " + length);
        }
        if (ended && (t == FrameType.DATA || t == FrameType.END)) {
            throw new FramingException("garbage in ptth stream: " + t + " after END");
        }
        type = t;
        remaining = length;
        reason.clear();
        creditBytes.clear();
        if (length == 0) {
            endFrame(sink);
        }
    }

    private void endFrame(final Sink sink) {
        final FrameType t = type;
        type = null;
        switch (t) {
            case END -> {
                ended = true;
                sink.end();
            }
            case HEARTBEAT -> sink.heartbeat();
            case CREDIT -> sink.credit(creditBytes.getInt(0));
            case ABORT -> {
                aborted = true;
                reason.flip();
                sink.abort(StandardCharsets.UTF_8.decode(reason).toString());
            }
            default -> { }
        }
    }

    private static String printable(final byte[] bytes) {
        final StringBuilder text = new StringBuilder("\"");
        for (final byte b : bytes) {
            final int value = b & 0xff;
            text.append(value >= 0x20 && value < 0x7f ? String.valueOf((char) value) : String.format("\\x%02x", value));
        }
        return text.append('"').toString();
    }
}
