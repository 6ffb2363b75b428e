package org.ptth.proxy.relay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.io.CloseMode;

/** A response from the relay whose body may be a never-ending stream of frames. */
public final class RelayResponse implements AutoCloseable {

    /** Error bodies are one line; more than this is not the relay talking. */
    private static final int MAX_REASON_BYTES = 512;

    private final CloseableHttpResponse response;
    private final String description;

    RelayResponse(final CloseableHttpResponse response, final String description) {
        this.response = response;
        this.description = description;
    }

    public int status() {
        return response.getCode();
    }

    public String header(final String name) {
        final Header header = response.getFirstHeader(name);
        return header == null ? null : header.getValue();
    }

    /** The streamed body; an empty stream when the response has none. */
    public InputStream body() throws IOException {
        final HttpEntity entity = response.getEntity();
        return entity == null ? InputStream.nullInputStream() : entity.getContent();
    }

    /**
     * The one-line form of an error response, {@code HTTP 404: no such server or port online}.
     * A body that is not the relay's plain text (an HTML page from a proxy, say) is named, not shown.
     */
    public String errorLine() {
        final StringBuilder line = new StringBuilder("HTTP ").append(status());
        final HttpEntity entity = response.getEntity();
        final String type = entity == null ? null : entity.getContentType();
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("text/plain")) {
            final String reason = firstLine();
            if (!reason.isEmpty()) {
                return line.append(": ").append(reason).toString();
            }
        } else if (type != null) {
            line.append(" with a ").append(type).append(" body (not the relay's own answer?)");
            return line.toString();
        }
        final String phrase = response.getReasonPhrase();
        return phrase == null || phrase.isEmpty() ? line.toString() : line.append(' ').append(phrase).toString();
    }

    /** Ends a finished exchange and lets its connection go back to the pool. */
    public void closeGracefully() {
        try {
            response.close();
        } catch (final IOException ignored) {
            // the exchange is over either way
        }
    }

    /** Ends the exchange without reading the rest of its body, which may never end (a live tunnel). */
    @Override
    public void close() {
        response.close(CloseMode.IMMEDIATE);
    }

    @Override
    public String toString() {
        return description + " -> " + status();
    }

    private String firstLine() {
        try {
            // not closed here: closing a body reads it to its end; the caller closes the response
            final byte[] bytes = body().readNBytes(MAX_REASON_BYTES);
            final String text = new String(bytes, StandardCharsets.UTF_8).strip();
            final int newline = text.indexOf('\n');
            return (newline < 0 ? text : text.substring(0, newline)).strip();
        } catch (final IOException unreadable) {
            return "";
        }
    }
}
