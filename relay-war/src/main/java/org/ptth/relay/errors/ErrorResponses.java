package org.ptth.relay.errors;

import jakarta.servlet.http.HttpServletResponse;
import org.ptth.protocol.Headers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes the relay's error answers: a status and one line of plain text, never a stack trace. */
public final class ErrorResponses {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private ErrorResponses() {
    }

    /**
     * Sends the error if the response is still uncommitted; returns false when it was too late.
     * {@code closeConnection} asks the container not to keep the connection, so that an unread
     * streaming request body is not swallowed.
     */
    public static boolean send(final HttpServletResponse response, final int status, final String reason,
                               final int retryAfterSeconds, final boolean closeConnection) throws IOException {
        return send(response, status, reason, retryAfterSeconds, closeConnection, true);
    }

    /**
     * As above; without {@code withBody} the reason goes in the head alone ({@link Headers#REASON})
     * and the body is empty: for a response in non-blocking mode that cannot take a write yet, whose
     * body would otherwise be promised by its Content-Length and never come.
     */
    public static boolean send(final HttpServletResponse response, final int status, final String reason,
                               final int retryAfterSeconds, final boolean closeConnection, final boolean withBody)
            throws IOException {
        if (response.isCommitted()) {
            return false;
        }
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType("text/plain;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        if (retryAfterSeconds > 0) {
            response.setIntHeader("Retry-After", retryAfterSeconds);
        }
        if (closeConnection) {
            response.setHeader("Connection", "close");
        }
        final String line = oneLine(reason);
        response.setHeader(Headers.REASON, headerSafe(line));
        if (!withBody) {
            response.setContentLength(0);
            return true;
        }
        final byte[] body = (line + "\n").getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        return true;
    }

    public static boolean send(final HttpServletResponse response, final RelayException error) throws IOException {
        return send(response, error.status(), error.getMessage(), error.retryAfterSeconds(), false);
    }

    /** Keeps reasons on one line and short, whatever text they were built from. */
    public static String oneLine(final String reason) {
        final String flat = reason == null ? "" : reason.replaceAll("[\\r\\n\\t]+", " ").strip();
        return flat.length() > 300 ? flat.substring(0, 300) : flat;
    }

    /** Printable ASCII stays as it is; '%' and every other byte of the UTF-8 form become %XX. */
    static String headerSafe(final String line) {
        final StringBuilder safe = new StringBuilder(line.length());
        for (final byte b : line.getBytes(StandardCharsets.UTF_8)) {
            if (b >= 0x20 && b < 0x7f && b != '%') {
                safe.append((char) b);
            } else {
                safe.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
        }
        return safe.toString();
    }
}
