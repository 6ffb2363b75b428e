package org.ptth.proxy.relayclient;

import java.io.IOException;

import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;

/**
 * One POST to the relay, made but not yet sent. It exists before it runs so that a tunnel can
 * cancel it from another thread at any time, also while {@link #execute()} is blocked streaming.
 */
public final class RelayCall implements RelayExchange {

    private final CloseableHttpClient http;
    private final HttpPost request;
    private final String description;

    RelayCall(final CloseableHttpClient http, final HttpPost request, final String description) {
        this.http = http;
        this.request = request;
        this.description = description;
    }

    /** Sends the request (and its whole body, if it streams one) and returns the open response. */
    @Override
    public RelayResponse execute() throws IOException {
        final CloseableHttpResponse response =
                CloseableHttpResponse.adapt(http.executeOpen(null, request, null));
        return new RelayResponse(response, description);
    }

    /** Adds a request header before the call is sent; returns this call. */
    public RelayCall withHeader(final String name, final String value) {
        request.setHeader(name, value);
        return this;
    }

    @Override
    public void cancel() {
        request.cancel();
    }

    @Override
    public String description() {
        return description;
    }
}
