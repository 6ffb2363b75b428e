package org.ptth.proxy.relayclient;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.io.CloseMode;
import org.ptth.protocol.Headers;

/** A response from the relay whose body may be a never-ending stream of frames. */
public final class RelayResponse implements StreamedResponse {

    private final CloseableHttpResponse response;
    private final String description;

    RelayResponse(final CloseableHttpResponse response, final String description) {
        this.response = response;
        this.description = description;
    }

    @Override
    public int status() {
        return response.getCode();
    }

    @Override
    public String header(final String name) {
        final Header header = response.getFirstHeader(name);
        return header == null ? null : header.getValue();
    }

    @Override
    public InputStream body() throws IOException {
        final HttpEntity entity = response.getEntity();
        return entity == null ? InputStream.nullInputStream() : entity.getContent();
    }

    @Override
    public String errorLine() {
        final HttpEntity entity = response.getEntity();
        return ErrorLine.of(status(), entity == null ? null : entity.getContentType(), response.getReasonPhrase(),
                header(Headers.REASON), this::body);
    }

    @Override
    public void closeGracefully() {
        try {
            response.close();
        } catch (final IOException ignored) {
            // the exchange is over either way
        }
    }

    @Override
    public void close() {
        response.close(CloseMode.IMMEDIATE);
    }

    @Override
    public String toString() {
        return description + " -> " + status();
    }
}
