package org.ptth.proxy.relay;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;

/**
 * One duplex exchange with the relay (docs/protocol.md, "Duplex mode"): a POST with
 * {@code Ptth-Duplex: 1} whose request body carries the outgoing direction while its response body
 * carries the incoming one, both at once on one HTTP/1.1 connection.
 *
 * <p>It starts with the request head and an open, empty body. Once the response head is in, the
 * caller decides what the body holds: the frames ({@link #send}) when the relay confirmed duplex,
 * or nothing ({@link #endBody}) when it did not or refused; no byte of the body goes out before.
 */
public final class DuplexCall implements Exchange {

    /** The request and confirmation header of duplex mode. */
    public static final String HEADER = "Ptth-Duplex";

    /** What writes the outgoing direction; runs on a tunnel thread and closes the stream when done. */
    @FunctionalInterface
    public interface BodyWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    private final CloseableHttpAsyncClient http;
    private final HttpRequest request;
    private final HttpClientContext context;
    private final String description;
    private final DuplexBody body;
    private final DuplexResponse response;
    private volatile Future<Void> future;
    private volatile boolean cancelled;

    DuplexCall(final CloseableHttpAsyncClient http, final HttpRequest request, final HttpClientContext context,
               final String description, final Executor writers, final Duration readTimeout) {
        this.http = http;
        this.request = request;
        this.context = context;
        this.description = description;
        this.body = new DuplexBody(writers);
        this.response = new DuplexResponse(description, this, readTimeout);
    }

    /** Sends the request head and opens the body; returns at once. */
    public void start() {
        future = http.execute(new BasicRequestProducer(request, body), response, null, context, null);
        if (cancelled) {
            future.cancel(true);
        }
    }

    /**
     * Waits for the response head.
     *
     * @throws IOException when the exchange failed, or no head came within {@code timeout} (then it is cancelled)
     */
    public StreamedResponse awaitResponse(final Duration timeout) throws IOException {
        try {
            response.head().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return response;
        } catch (final TimeoutException late) {
            cancel();
            throw new SocketTimeoutException("no answer within " + timeout.toSeconds() + " s");
        } catch (final ExecutionException failed) {
            cancel();
            final Throwable cause = failed.getCause();
            throw cause instanceof IOException ? (IOException) cause : new IOException(RelayProblem.describe(cause), cause);
        } catch (final InterruptedException stop) {
            cancel();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + description);
        }
    }

    /** Whether the relay's answer confirmed duplex mode: {@code Ptth-Duplex: 1} on the 200. */
    public static boolean confirmed(final StreamedResponse answer) {
        return answer.status() == 200 && "1".equals(answer.header(HEADER));
    }

    /** The body carries the outgoing direction from now on, written by {@code writer} on a tunnel thread. */
    public void send(final BodyWriter writer) {
        body.send(writer::writeTo);
    }

    /** The body ends empty: the relay did not confirm duplex, or refused the call. */
    public void endBody() {
        body.endEmpty();
    }

    @Override
    public void cancel() {
        cancelled = true;
        final Future<Void> running = future;
        if (running != null) {
            running.cancel(true);
        }
        // whatever the reactor does next, the threads blocked on either body must wake now
        body.releaseResources();
        response.releaseResources();
    }

    @Override
    public String description() {
        return description;
    }
}
