package org.ptth.protocol.mux;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

import org.ptth.protocol.Names;
import org.ptth.protocol.Reasons;

/**
 * Writes the frames of the multiplexed transport into a buffer, and holds the protocol's numbers.
 *
 * <pre>
 * +--------+------------------------+--------------------------------+----------------
 * | type   | payload length (u24 BE) | tunnel number (u32 BE)         | payload ...
 * +--------+------------------------+--------------------------------+----------------
 * </pre>
 *
 * Every writer puts one whole frame at the buffer's position; the caller makes sure it fits
 * ({@link #size}), so that many frames of many tunnels can share one buffer and one write.
 */
public final class Frames {
    /** Type, length and tunnel number. */
    public static final int HEADER_BYTES = 8;
    /** No payload is longer: a frame always fits a modest buffer, and no tunnel holds the connection long. */
    public static final int MAX_PAYLOAD = 65_536;
    /**
     * A WebSocket message holds whole frames, at most this many bytes of them: a sender gathers
     * frames up to it, a receiver takes messages up to it (more than one full DATA frame, so that a
     * bulk stream's frames share writes).
     */
    public static final int MAX_MESSAGE_BYTES = 262_144;
    /** Credit each direction of a tunnel starts with, before any CREDIT frame. */
    public static final int INITIAL_WINDOW = 65_536;
    /** Credit a receiver may have outstanding on one direction; a sender beyond it breaks the protocol. */
    public static final int MAX_WINDOW = 1 << 30;
    /** ABORT, REFUSE and GOAWAY reasons are cut to this many bytes of UTF-8. */
    public static final int MAX_REASON_BYTES = 1024;
    /** Port names and labels are at most this long (one length byte). */
    public static final int MAX_NAME_BYTES = 255;
    /** The payload of PING and PONG. */
    public static final int PING_BYTES = 8;
    /**
     * How long either end that sent a WebSocket close frame waits for the other's answer before it
     * ends the TCP connection anyway: ended sooner, the connection is reset by what the other end
     * still sends, and the reset drops what was written but not yet carried.
     */
    public static final int CLOSE_ANSWER_SECONDS = 5;
    /** The WebSocket subprotocol (Sec-WebSocket-Protocol) of this version. */
    public static final String SUBPROTOCOL = "ptth-mux-1";

    private Frames() {
    }

    /** Bytes a frame with this payload length takes. */
    public static int size(final int payloadLength) {
        return HEADER_BYTES + payloadLength;
    }

    /** Writes a frame header; the payload must follow at once. */
    public static void header(final ByteBuffer out, final FrameType type, final int tunnel, final int payloadLength) {
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + payloadLength + " bytes: at most " + MAX_PAYLOAD);
        }
        out.putInt((type.code() & 0xff) << 24 | payloadLength);
        out.putInt(tunnel);
    }

    /** The tunnel number of the frame whose header starts at {@code at}, rewritten in place (the relay renumbers). */
    public static void renumber(final ByteBuffer frames, final int at, final int tunnel) {
        frames.putInt(at + 4, tunnel);
    }

    /** Payload bytes of an OPEN with these names and {@code firstBytes} bytes of data. */
    public static int openPayload(final String port, final String label, final int firstBytes) {
        return 2 + ascii(port).length + utf8Name(label).length + firstBytes;
    }

    /** OPEN: the port, a label for the acceptor's logs, then all remaining bytes of {@code firstBytes}. */
    public static void open(final ByteBuffer out, final int tunnel, final String port, final String label,
                            final ByteBuffer firstBytes) {
        final byte[] portBytes = ascii(port);
        final byte[] labelBytes = utf8Name(label);
        final int data = firstBytes == null ? 0 : firstBytes.remaining();
        header(out, FrameType.OPEN, tunnel, 2 + portBytes.length + labelBytes.length + data);
        out.put((byte) portBytes.length).put(portBytes);
        out.put((byte) labelBytes.length).put(labelBytes);
        if (data > 0) {
            out.put(firstBytes);
        }
    }

    public static void opened(final ByteBuffer out, final int tunnel) {
        header(out, FrameType.OPENED, tunnel, 0);
    }

    /** REFUSE with a status of the protocol's status table and a reason. */
    public static void refuse(final ByteBuffer out, final int tunnel, final int status, final String reason) {
        final byte[] text = reasonBytes(reason);
        header(out, FrameType.REFUSE, tunnel, 2 + text.length);
        out.putShort((short) status).put(text);
    }

    /** DATA with all remaining bytes of {@code data} (at most {@link #MAX_PAYLOAD}). */
    public static void data(final ByteBuffer out, final int tunnel, final ByteBuffer data) {
        header(out, FrameType.DATA, tunnel, data.remaining());
        out.put(data);
    }

    public static void end(final ByteBuffer out, final int tunnel) {
        header(out, FrameType.END, tunnel, 0);
    }

    public static void abort(final ByteBuffer out, final int tunnel, final String reason) {
        final byte[] text = reasonBytes(reason);
        header(out, FrameType.ABORT, tunnel, text.length);
        out.put(text);
    }

    public static void credit(final ByteBuffer out, final int tunnel, final int increment) {
        if (increment <= 0) {
            throw new IllegalArgumentException("credit increment must be positive: " + increment);
        }
        header(out, FrameType.CREDIT, tunnel, 4);
        out.putInt(increment);
    }

    public static void ping(final ByteBuffer out, final long token) {
        header(out, FrameType.PING, 0, PING_BYTES);
        out.putLong(token);
    }

    public static void pong(final ByteBuffer out, final long token) {
        header(out, FrameType.PONG, 0, PING_BYTES);
        out.putLong(token);
    }

    /** Payload bytes of a LISTEN with these port names. */
    public static int listenPayload(final Collection<String> ports) {
        int bytes = 0;
        for (final String port : ports) {
            bytes += 1 + ascii(port).length;
        }
        return bytes;
    }

    /** LISTEN: the complete set of ports the server proxy serves now. */
    public static void listen(final ByteBuffer out, final Collection<String> ports) {
        header(out, FrameType.LISTEN, 0, listenPayload(ports));
        for (final String port : ports) {
            final byte[] name = ascii(port);
            out.put((byte) name.length).put(name);
        }
    }

    public static void goaway(final ByteBuffer out, final String reason) {
        final byte[] text = reasonBytes(reason);
        header(out, FrameType.GOAWAY, 0, text.length);
        out.put(text);
    }

    /** Payload bytes of a reason (ABORT, GOAWAY; REFUSE adds two). */
    public static int reasonPayload(final String reason) {
        return reasonBytes(reason).length;
    }

    private static byte[] ascii(final String name) {
        if (!Names.isValid(name)) {
            throw new IllegalArgumentException("not a valid port name: '" + name + "'");
        }
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8Name(final String label) {
        return Reasons.truncate(label == null ? "" : label, MAX_NAME_BYTES);
    }

    private static byte[] reasonBytes(final String reason) {
        return Reasons.truncate(reason == null ? "" : reason, MAX_REASON_BYTES);
    }
}
