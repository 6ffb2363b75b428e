package org.ptth.relay.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A WebSocket client on a bare socket, for tests that must send what no library sends: frames
 * split anywhere, control frames inside fragmented messages, garbage, a handshake that never ends,
 * or a connection that is never read. Frames it sends are masked, as a client's must be.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int OP_CONTINUATION = 0;
    public static final int OP_TEXT = 1;
    public static final int OP_BINARY = 2;
    public static final int OP_CLOSE = 8;
    public static final int OP_PING = 9;
    public static final int OP_PONG = 10;

    /** A frame the relay sent. */
    public record Frame(boolean fin, int opcode, byte[] payload) {
        public int closeCode() {
            return payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }

        public String closeReason() {
            return payload.length < 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final Random random = new Random(42);
    private final org.ptth.protocol.mux.FrameParser muxParser = new org.ptth.protocol.mux.FrameParser();
    private final java.util.ArrayDeque<MuxClient.Frame> muxFrames = new java.util.ArrayDeque<>();
    private int status;
    private Map<String, String> headers;

    private RawWebSocket(final Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects and sends nothing yet. */
    public static RawWebSocket connect(final int port) throws IOException {
        final Socket socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        return new RawWebSocket(socket);
    }

    /** The handshake's request head for {@code path} with this key, as a client sends it. */
    public static String handshake(final int port, final String path, final String key) {
        return "GET " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Protocol: ptth-mux-1\r\n"
                + "\r\n";
    }

    /** Connects, upgrades, and returns the socket once the relay answered (check {@link #status()}). */
    public static RawWebSocket upgrade(final int port, final String path, final String key) throws IOException {
        final RawWebSocket ws = connect(port);
        ws.sendRaw(handshake(port, path, key).getBytes(StandardCharsets.US_ASCII));
        ws.readHead();
        return ws;
    }

    /** Reads the answer's head: status line and headers (lower-case names). */
    public void readHead() throws IOException {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            final int c = in.read();
            if (c < 0) {
                throw new EOFException("the relay closed the connection within the head: " + head);
            }
            head.write(c);
        }
        final String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        status = Integer.parseInt(lines[0].split(" ")[1]);
        headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            final int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
        }
    }

    public int status() {
        return status;
    }

    public String header(final String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public void sendRaw(final byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One masked frame. */
    public void sendFrame(final boolean fin, final int opcode, final byte[] payload) throws IOException {
        sendRaw(frame(fin, opcode, payload, random.nextInt()));
    }

    /** A masked frame's bytes. */
    public static byte[] frame(final boolean fin, final int opcode, final byte[] payload, final int mask) {
        final ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length);
        } else {
            f.write(0x80 | 127);
            f.writeBytes(ByteBuffer.allocate(8).putLong(payload.length).array());
        }
        f.writeBytes(ByteBuffer.allocate(4).putInt(mask).array());
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ (mask >>> (8 * (3 - (i & 3)))));
        }
        return f.toByteArray();
    }

    /** The next frame the relay sent. */
    public Frame readFrame() throws IOException {
        final int b0 = in.readUnsignedByte();
        final int b1 = in.readUnsignedByte();
        long length = b1 & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        if ((b1 & 0x80) != 0) {
            throw new IOException("the relay masked a frame");
        }
        final byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Frame((b0 & 0x80) != 0, b0 & 0x0f, payload);
    }

    /** The next frame other than pings and pongs. */
    public Frame readDataOrClose() throws IOException {
        while (true) {
            final Frame f = readFrame();
            if (f.opcode() != OP_PING && f.opcode() != OP_PONG) {
                return f;
            }
        }
    }

    /** The next mux frame the relay sent, from the binary messages read so far or the next ones. */
    public MuxClient.Frame readMuxFrame() throws IOException {
        while (muxFrames.isEmpty()) {
            final Frame f = readDataOrClose();
            if (f.opcode() == OP_CLOSE) {
                throw new EOFException("closed: " + f.closeCode() + " " + f.closeReason());
            }
            try {
                muxParser.feed(ByteBuffer.wrap(f.payload()), (type, tunnel, payload) -> {
                    final byte[] bytes = new byte[payload.remaining()];
                    payload.get(bytes);
                    muxFrames.add(new MuxClient.Frame(type, tunnel, bytes));
                });
            } catch (final org.ptth.protocol.mux.MuxProtocolException e) {
                throw new IOException("the relay sent broken mux frames", e);
            }
        }
        return muxFrames.poll();
    }

    /** True when the relay has closed the connection: the next read finds its end (or a reset). */
    public boolean readsEnd() throws IOException {
        try {
            final InputStream raw = socket.getInputStream();
            final byte[] sink = new byte[8192];
            while (raw.read(sink) >= 0) {
                // drain what the relay wrote before it closed
            }
            return true;
        } catch (final java.net.SocketException reset) {
            return true;
        }
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
