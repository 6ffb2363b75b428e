package org.ptth.proxy.relayclient;

import org.ptth.protocol.Headers;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Builds the one-line form of an error response, for both kinds of {@link StreamedResponse}. */
public final class ErrorLine {

    /** Error bodies are one line; more than this is not the relay talking. */
    private static final int MAX_REASON_BYTES = 512;

    /** Opens the body of the response being described; may fail. */
    interface Body {
        InputStream open() throws IOException;
    }

    private ErrorLine() {
    }

    /**
     * @param contentType the response's Content-Type, or null when it has no body
     * @param phrase      the status line's reason phrase, or null
     * @param reasonHeader the {@value Headers#REASON} header, or null
     */
    static String of(final int status, final String contentType, final String phrase, final String reasonHeader,
                     final Body body) {
        final StringBuilder line = new StringBuilder("HTTP ").append(status);
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            String reason = firstLine(body);
            if (reason.isEmpty() && reasonHeader != null) {
                reason = unescape(reasonHeader).strip();
            }
            if (!reason.isEmpty()) {
                return line.append(": ").append(reason).toString();
            }
        } else if (contentType != null) {
            line.append(" with a ").append(contentType).append(" body (not the relay's own answer?)");
            return line.toString();
        }
        return phrase == null || phrase.isEmpty() ? line.toString() : line.append(' ').append(phrase).toString();
    }

    private static String firstLine(final Body body) {
        try {
            // not closed here: closing a body reads it to its end; the caller closes the response
            final byte[] bytes = body.open().readNBytes(MAX_REASON_BYTES);
            final String text = new String(bytes, StandardCharsets.UTF_8).strip();
            final int newline = text.indexOf('\n');
            return (newline < 0 ? text : text.substring(0, newline)).strip();
        } catch (final IOException unreadable) {
            return "";
        }
    }

    /** Undoes the relay's %XX escapes; a malformed escape stays as it came. */
    public static String unescape(final String header) {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(header.length());
        for (int i = 0; i < header.length(); i++) {
            final char c = header.charAt(i);
            final int high = c == '%' && i + 2 < header.length() ? Character.digit(header.charAt(i + 1), 16) : -1;
            final int low = high < 0 ? -1 : Character.digit(header.charAt(i + 2), 16);
            if (low >= 0) {
                bytes.write(high * 16 + low);
                i += 2;
            } else {
                bytes.write(c < 0x80 ? c : '?');
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
