package org.ptth.relay.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A streaming POST over a raw socket: each write is one chunk, sent at once; {@link #finish()}
 * sends the last chunk and reads the status. Raw, so tests control exactly what reaches the relay.
 */
public final class ChunkedUpload implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;

    public ChunkedUpload(final int port, final String path, final String key) throws IOException {
        this(port, path, key, "");
    }

    /** With more header lines, each ending in CRLF (e.g. {@code "Ptth-Duplex: 1\r\n"}). */
    public ChunkedUpload(final int port, final String path, final String key, final String moreHeaders)
            throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(60_000);
        out = socket.getOutputStream();
        final String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
                + moreHeaders + "Transfer-Encoding: chunked\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    public void write(final byte[] data) throws IOException {
        write(data, 0, data.length);
    }

    public void write(final byte[] data, final int off, final int len) throws IOException {
        if (len == 0) {
            return;
        }
        out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data, off, len);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Writes raw bytes, for tests that break the chunked encoding on purpose. */
    public void writeRaw(final String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Ends the body cleanly and returns the response's status code. */
    public int finish() throws IOException {
        writeRaw("0\r\n\r\n");
        return status();
    }

    /** Reads the status line of the response. */
    public int status() throws IOException {
        final InputStream in = socket.getInputStream();
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.write(c);
        }
        final String[] parts = line.toString(StandardCharsets.US_ASCII).split(" ");
        if (parts.length < 2) {
            throw new IOException("no HTTP status line: '" + line + "'");
        }
        return Integer.parseInt(parts[1]);
    }

    /** The raw response, head and body, for a call whose response streams while its body is still going up. */
    public InputStream response() throws IOException {
        return socket.getInputStream();
    }

    /** Drops the connection with a reset, as a killed process would. */
    public void kill() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
