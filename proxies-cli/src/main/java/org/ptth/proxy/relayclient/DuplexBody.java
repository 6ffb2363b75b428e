package org.ptth.proxy.relayclient;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.HttpClientConnection;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.io.CloseMode;

/**
 * The request body of a duplex exchange. {@link DuplexRequestExecutor} sends the request head and
 * hands the connection to this body, which writes itself on a tunnel thread while the caller
 * waits for and then reads the response: the two halves of one socket. The body starts at once,
 * so the first bytes of the tunnel travel with the request rather than one round trip later.
 */
final class DuplexBody extends AbstractHttpEntity {

    private final Executor writers;
    private final DuplexCall.BodyWriter writer;
    private final CompletableFuture<Void> sent = new CompletableFuture<>();
    private volatile HttpClientConnection connection;
    private volatile boolean started;
    private volatile boolean abandoned;

    DuplexBody(final Executor writers, final DuplexCall.BodyWriter writer) {
        super(ContentType.APPLICATION_OCTET_STREAM, null, true);
        this.writers = writers;
        this.writer = writer;
    }

    /** The exchange is being cut: the connection is shut, which ends the writer if it runs. */
    void abandon() {
        abandoned = true;
        final HttpClientConnection open = connection;
        if (open != null) {
            open.close(CloseMode.IMMEDIATE);
        }
        sent.completeExceptionally(new IOException("the exchange was cut"));
    }

    /** Completes once the whole body, its last chunk included, has gone to the connection. */
    CompletableFuture<Void> sent() {
        return sent;
    }

    /** Called by the executor once the request head has gone: the body goes on on a tunnel thread. */
    void startSending(final HttpClientConnection open, final ClassicHttpRequest request) throws IOException {
        connection = open;
        started = true;
        if (abandoned) {
            throw new IOException("the exchange was cut");
        }
        try {
            writers.execute(() -> send(open, request));
        } catch (final RuntimeException rejected) {
            throw new IOException("no thread for the request body: " + rejected.getMessage(), rejected);
        }
    }

    private void send(final HttpClientConnection open, final ClassicHttpRequest request) {
        try {
            open.sendRequestEntity(request); // calls writeTo, then writes the last chunk
            open.flush();
            sent.complete(null);
        } catch (final IOException | HttpException | RuntimeException failed) {
            // the response side must not go on with a connection whose request broke off
            open.close(CloseMode.IMMEDIATE);
            sent.completeExceptionally(failed);
        }
    }

    /**
     * The response body, guarded: if it ends while this body is still being written (a cut
     * response), the connection is shut before the end is reported, so that the pool never takes
     * back a connection that a writer still uses.
     */
    InputStream guard(final InputStream responseBody) {
        return new FilterInputStream(responseBody) {
            @Override
            public int read() throws IOException {
                return checked(super.read());
            }

            @Override
            public int read(final byte[] bytes, final int offset, final int length) throws IOException {
                return checked(super.read(bytes, offset, length));
            }

            private int checked(final int result) {
                if (result < 0 && !sent.isDone()) {
                    abandon();
                }
                return result;
            }
        };
    }

    /**
     * A writer that fails leaves the body unfinished: the connection is shut before HttpClient
     * closes the chunked stream, so that no last chunk can make a broken body look complete.
     */
    @Override
    public void writeTo(final OutputStream out) throws IOException {
        try {
            writer.writeTo(out);
        } catch (final IOException | RuntimeException failed) {
            abandon();
            throw failed;
        }
    }

    @Override
    public InputStream getContent() {
        throw new UnsupportedOperationException("a tunnel body can only be written");
    }

    @Override
    public long getContentLength() {
        return -1;
    }

    /** Until its writer starts, no byte of it has gone: a head that met a stale connection can be sent again. */
    @Override
    public boolean isRepeatable() {
        return !started;
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    @Override
    public void close() {
        // the writer owns what it writes from
    }
}
