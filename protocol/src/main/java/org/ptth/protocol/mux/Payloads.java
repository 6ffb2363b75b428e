package org.ptth.protocol.mux;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.ptth.protocol.Names;
import org.ptth.protocol.Reasons;

/** Reads the payloads that carry more than bytes of a stream; each refuses a payload that does not parse. */
public final class Payloads {

    /** An OPEN's payload; {@code firstBytes} is a slice of the frame, valid as long as the payload is. */
    public record Open(String port, String label, ByteBuffer firstBytes) {
    }

    /** A REFUSE's payload: a status of the protocol's table and a printable reason. */
    public record Refusal(int status, String reason) {
    }

    private Payloads() {
    }

    public static Open open(final ByteBuffer payload) throws MuxProtocolException {
        final ByteBuffer in = payload.slice();
        final String port = portName(in, "OPEN");
        if (!in.hasRemaining()) {
            throw new MuxProtocolException("OPEN without its label length");
        }
        final int labelLength = in.get() & 0xff;
        if (in.remaining() < labelLength) {
            throw new MuxProtocolException("OPEN label runs past the frame");
        }
        final String label = Reasons.printable(in.slice(in.position(), labelLength), Frames.MAX_NAME_BYTES);
        in.position(in.position() + labelLength);
        return new Open(port, label, in.slice());
    }

    public static Refusal refusal(final ByteBuffer payload) throws MuxProtocolException {
        if (payload.remaining() < 2) {
            throw new MuxProtocolException("REFUSE without its status");
        }
        final int status = payload.getShort(payload.position()) & 0xffff;
        if (status < 400 || status > 599) {
            throw new MuxProtocolException("REFUSE with status " + status + ": must be 400-599");
        }
        return new Refusal(status, reason(payload.slice(payload.position() + 2, payload.remaining() - 2)));
    }

    /** An ABORT's or GOAWAY's reason (or a REFUSE's, past its status), printable and cut to the limit. */
    public static String reason(final ByteBuffer payload) {
        return Reasons.printable(payload, Frames.MAX_REASON_BYTES);
    }

    /** A CREDIT's increment: 1 to 2^31 - 1. */
    public static int credit(final ByteBuffer payload) throws MuxProtocolException {
        if (payload.remaining() != 4) {
            throw new MuxProtocolException("CREDIT of " + payload.remaining() + " bytes: must be 4");
        }
        final int increment = payload.getInt(payload.position());
        if (increment <= 0) {
            throw new MuxProtocolException("CREDIT of " + Integer.toUnsignedString(increment) + ": must be 1 to 2^31-1");
        }
        return increment;
    }

    /** A PING's or PONG's eight bytes. */
    public static long pingToken(final ByteBuffer payload) throws MuxProtocolException {
        if (payload.remaining() != Frames.PING_BYTES) {
            throw new MuxProtocolException("PING or PONG of " + payload.remaining() + " bytes: must be 8");
        }
        return payload.getLong(payload.position());
    }

    /** A LISTEN's port names, in order, each checked against the name rule. */
    public static List<String> ports(final ByteBuffer payload) throws MuxProtocolException {
        final ByteBuffer in = payload.slice();
        final List<String> ports = new ArrayList<>();
        while (in.hasRemaining()) {
            ports.add(portName(in, "LISTEN"));
        }
        return ports;
    }

    /** An empty payload, as END and OPENED carry: anything else breaks the protocol. */
    public static void empty(final FrameType type, final ByteBuffer payload) throws MuxProtocolException {
        if (payload.hasRemaining()) {
            throw new MuxProtocolException(type + " with a payload of " + payload.remaining() + " bytes: must be empty");
        }
    }

    private static String portName(final ByteBuffer in, final String frame) throws MuxProtocolException {
        if (!in.hasRemaining()) {
            throw new MuxProtocolException(frame + " without a port name");
        }
        final int length = in.get() & 0xff;
        if (in.remaining() < length) {
            throw new MuxProtocolException(frame + " port name runs past the frame");
        }
        final byte[] bytes = new byte[length];
        in.get(bytes);
        final String name = new String(bytes, StandardCharsets.ISO_8859_1);
        final String problem = Names.problem(name);
        if (problem != null) {
            throw new MuxProtocolException(frame + " port name '" + Reasons.printable(name) + "' " + problem);
        }
        return name;
    }
}
