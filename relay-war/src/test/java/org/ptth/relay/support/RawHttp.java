package org.ptth.relay.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/1.1 by hand over a loopback socket: the request goes out byte for byte as the test wrote it
 * (no client library normalizes {@code ..} or re-encodes anything on the way), and the answer is
 * parsed just enough to check status, headers and a short body.
 */
public final class RawHttp {
    /** Long enough for a loaded machine, short enough that a hang shows up as a failure, not a stall. */
    public static final int READ_TIMEOUT_MILLIS = 20_000;

    private RawHttp() {
    }

    /** An answer; status -1 when the relay closed the connection without one. */
    public record Response(int status, Map<String, List<String>> headers, String body) {
        public static Response closed() {
            return new Response(-1, Map.of(), "");
        }

        public boolean answered() {
            return status > 0;
        }

        public String header(final String name) {
            final List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        @Override
        public String toString() {
            return status + " " + headers + " '" + body + "'";
        }
    }

    /**
     * METHOD target on {@code base}'s port with an optional bearer key and an empty body, on a
     * connection of its own that the relay is asked to close; the whole answer.
     */
    public static Response call(final URL base, final String method, final String target, final String key)
            throws IOException {
        final String head = method + " " + target + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + base.getPort() + "\r\n"
                + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
                + ("POST".equals(method) || "PUT".equals(method) ? "Content-Length: 0\r\n" : "")
                + "Connection: close\r\n\r\n";
        return send(base.getPort(), head);
    }

    /** Reads a streamed body to its end. */
    public static byte[] readAll(final InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    /** A POST with an empty body; {@code key} null for none. */
    public static String post(final String path, final String key) {
        return request("POST", path, key == null ? "" : "Authorization: Bearer " + key + "\r\n");
    }

    /** A request with an empty body and the given extra header lines (each ending in CRLF). */
    public static String request(final String method, final String path, final String extraHeaders) {
        return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "Content-Length: 0\r\n\r\n";
    }

    public static Response send(final int port, final String request) throws IOException {
        return send(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends the bytes on a fresh connection and reads one answer. A write the relay cut short is fine. */
    public static Response send(final int port, final byte[] request) throws IOException {
        try (Socket socket = open(port)) {
            try {
                final OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
            } catch (final IOException cutShort) {
                // The container may refuse and close before it has read everything: read what it said.
            }
            return read(socket, startsWith(request, "HEAD "));
        }
    }

    private static boolean startsWith(final byte[] bytes, final String prefix) {
        return bytes.length >= prefix.length()
                && new String(bytes, 0, prefix.length(), StandardCharsets.ISO_8859_1).equals(prefix);
    }

    public static Socket open(final int port) throws IOException {
        final Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        return socket;
    }

    public static void write(final Socket socket, final String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Reads one answer: status line, headers, then the body by Content-Length, chunks, or to the end. */
    public static Response read(final Socket socket) throws IOException {
        return read(socket, false);
    }

    /** As {@link #read(Socket)}; the answer to a HEAD request has headers only. */
    public static Response read(final Socket socket, final boolean headOnly) throws IOException {
        final InputStream in = socket.getInputStream();
        final String statusLine;
        try {
            statusLine = line(in);
        } catch (final java.net.SocketException reset) {
            return Response.closed();
        }
        if (statusLine == null || statusLine.isEmpty()) {
            return Response.closed();
        }
        final String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP status line: '" + statusLine + "'");
        }
        final int status = Integer.parseInt(parts[1]);
        final Map<String, List<String>> headers = new LinkedHashMap<>();
        String header;
        while ((header = line(in)) != null && !header.isEmpty()) {
            final int colon = header.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(header.substring(colon + 1).strip());
            }
        }
        final Response head = new Response(status, headers, "");
        final byte[] body;
        if (headOnly || status == 204 || status == 304 || status / 100 == 1) {
            body = new byte[0];
        } else if (head.header("content-length") != null) {
            body = in.readNBytes(Integer.parseInt(head.header("content-length")));
        } else if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
            body = chunks(in);
        } else {
            body = in.readAllBytes();
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] chunks(final InputStream in) throws IOException {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            final String size = line(in);
            if (size == null) {
                return body.toByteArray();
            }
            final int semicolon = size.indexOf(';');
            final int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
            if (n == 0) {
                while (true) {
                    final String trailer = line(in);
                    if (trailer == null || trailer.isEmpty()) {
                        return body.toByteArray();
                    }
                }
            }
            body.write(in.readNBytes(n));
            line(in);
        }
    }

    /** One CRLF-terminated line as ISO-8859-1, or null at the end of the stream. */
    private static String line(final InputStream in) throws IOException {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (line.size() > 64 * 1024) {
                throw new IOException("line too long");
            }
            line.write(c);
        }
        if (c < 0 && line.size() == 0) {
            return null;
        }
        final String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    /** The relay's own refusal: this status, text/plain, exactly one non-blank line of reason. */
    public static void assertRefusal(final Response r, final int status) {
        assertEquals(status, r.status(), () -> "answer: " + r);
        final String type = r.header("content-type");
        assertNotNull(type, () -> "no Content-Type: " + r);
        assertTrue(type.toLowerCase(Locale.ROOT).startsWith("text/plain"), () -> "not text/plain: " + r);
        assertTrue(r.body().endsWith("\n"), () -> "reason not ended by a newline: " + r);
        assertEquals(1, r.body().chars().filter(ch -> ch == '\n' || ch == '\r').count(), () -> "not one line: " + r);
        assertFalse(r.body().isBlank(), () -> "empty reason: " + r);
    }

    /**
     * Refused by the container or the relay: a 4xx status (one line of text/plain if it is the
     * relay's), or a connection closed without an answer when {@code closedIsFine}.
     */
    public static void assertRejected(final Response r, final boolean closedIsFine) {
        if (!r.answered()) {
            assertTrue(closedIsFine, "the connection was closed without an answer");
            return;
        }
        assertTrue(r.status() >= 400 && r.status() < 500, () -> "expected a 4xx, got: " + r);
        final String type = r.header("content-type");
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            assertRefusal(r, r.status());
        }
    }
}
