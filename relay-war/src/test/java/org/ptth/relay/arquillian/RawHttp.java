package org.ptth.relay.arquillian;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP/1.1 request on a raw socket, with the request target sent exactly as given: no client
 * library normalizes {@code ..} or re-encodes anything on the way.
 */
public final class RawHttp {
    private RawHttp() {
    }

    public record Response(int status, Map<String, String> headers, String body) {
        public String header(final String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + body;
        }
    }

    /** Sends METHOD target with an optional bearer key and an empty body; reads the whole answer. */
    public static Response call(final URL base, final String method, final String target, final String key)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", base.getPort())) {
            socket.setSoTimeout(30_000);
            final OutputStream out = socket.getOutputStream();
            final String head = method + " " + target + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + base.getPort() + "\r\n"
                    + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
                    + ("POST".equals(method) || "PUT".equals(method) ? "Content-Length: 0\r\n" : "")
                    + "Connection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return parse(socket.getInputStream().readAllBytes(), "HEAD".equals(method));
        }
    }

    static Response parse(final byte[] raw, final boolean noBody) throws IOException {
        final String text = new String(raw, StandardCharsets.ISO_8859_1);
        final int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no complete response head: '" + text + "'");
        }
        final String[] lines = text.substring(0, end).split("\r\n");
        final int status = Integer.parseInt(lines[0].split(" ")[1]);
        final Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            final int colon = lines[i].indexOf(':');
            headers.putIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).strip());
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        if (!noBody && "chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = unchunk(body);
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] unchunk(final byte[] chunked) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (true) {
            final int lineEnd = indexOfCrlf(chunked, pos);
            final String sizeLine = new String(chunked, pos, lineEnd - pos, StandardCharsets.US_ASCII);
            final int size = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
            pos = lineEnd + 2;
            if (size == 0) {
                return out.toByteArray();
            }
            out.write(chunked, pos, size);
            pos += size + 2;
        }
    }

    private static int indexOfCrlf(final byte[] b, final int from) throws IOException {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        throw new IOException("cut chunked body");
    }

    /** Reads a streamed body to its end. */
    public static byte[] readAll(final InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }
}
