package org.ptth.proxy.relayclient;

import org.ptth.protocol.Headers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One duplex exchange with the relay (docs/protocol.md, "Duplex mode"): a POST with
 * {@code Ptth-Duplex: 1} whose request body carries the outgoing direction while its response body
 * carries the incoming one, both at once on one HTTP/1.1 connection.
 *
 * <p>{@link #execute()} sends the request head, starts the body's writer on a tunnel thread and
 * returns the response once its head is in. A relay that refuses the call never reads the body.
 */
public final class DuplexCall implements RelayExchange {

    /** What writes the outgoing direction; runs on a tunnel thread. */
    @FunctionalInterface
    public interface BodyWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    private final RelayCall call;
    private final DuplexBody body;

    DuplexCall(final RelayCall call, final DuplexBody body) {
        this.call = call;
        this.body = body;
    }

    /** Adds a request header before the call is sent; returns this call. */
    public DuplexCall withHeader(final String name, final String value) {
        call.withHeader(name, value);
        return this;
    }

    /** Sends the request head; returns the response once its head has come, the request body still open. */
    @Override
    public StreamedResponse execute() throws IOException {
        try {
            return new Response(call.execute());
        } catch (final IOException | RuntimeException failed) {
            body.abandon();
            throw failed;
        }
    }

    /** Whether the relay's answer confirmed duplex mode: {@code Ptth-Duplex: 1} on the 200. */
    public static boolean confirmed(final StreamedResponse answer) {
        return answer.status() == 200 && Headers.isOn(answer.header(Headers.DUPLEX));
    }

    @Override
    public void cancel() {
        body.abandon();
        call.cancel();
    }

    @Override
    public String description() {
        return call.description();
    }

    /** The response, whose graceful end waits for the request body: both share the connection. */
    private final class Response implements StreamedResponse {

        private final RelayResponse response;

        Response(final RelayResponse response) {
            this.response = response;
        }

        @Override
        public int status() {
            return response.status();
        }

        @Override
        public String header(final String name) {
            return response.header(name);
        }

        @Override
        public InputStream body() throws IOException {
            return response.body();
        }

        @Override
        public String errorLine() {
            return response.errorLine();
        }

        /** Once the request body has gone too, the connection can go back to the pool. */
        @Override
        public void closeGracefully() {
            body.sent().whenComplete((done, failed) -> {
                if (failed == null) {
                    response.closeGracefully();
                } else {
                    response.close();
                }
            });
        }

        @Override
        public void close() {
            cancel();
            response.close();
        }

        @Override
        public String toString() {
            return response.toString();
        }
    }
}
