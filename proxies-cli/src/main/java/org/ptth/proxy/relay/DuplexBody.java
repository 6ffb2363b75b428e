package org.ptth.proxy.relay;

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
 * The request body of a duplex exchange. {@link DuplexRequestExecutor} sends the request head,
 * reads the response head, and then hands the connection to this body, which writes itself on a
 * tunnel thread while the caller reads the response on its own: the two halves of one socket.
 *
 * <p>No byte of the body goes out before the caller has seen the answer and decided what the body
 * holds ({@link #decide}): the frames when the relay confirmed duplex, nothing when it did not.
 */
final class DuplexBody extends AbstractHttpEntity {

    private final Executor writers;
    private final CompletableFuture<DuplexCall.BodyWriter> decision = new CompletableFuture<>();
    private final CompletableFuture<Void> sent = new CompletableFuture<>();
    private volatile HttpClientConnection connection;
    private volatile DuplexCall.BodyWriter writer;

    DuplexBody(final Executor writers) {
        super(ContentType.APPLICATION_OCTET_STREAM, null, true);
        this.writers = writers;
    }

    /** What the body holds; the writer starts once the exchange has reached its response. */
    void decide(final DuplexCall.BodyWriter chosen) {
        decision.complete(chosen);
    }

    /** The body will never be written: its exchange is being cut. */
    void abandon() {
        decision.completeExceptionally(new IOException("the exchange was cut"));
        final HttpClientConnection open = connection;
        if (open != null) {
            open.close(CloseMode.IMMEDIATE);
        }
    }

    /** Completes once the whole body, its last chunk included, has gone to the connection. */
    CompletableFuture<Void> sent() {
        return sent;
    }

    /** Called by the executor once the response head is in: sends the body when the caller has decided. */
    void startSending(final HttpClientConnection open, final ClassicHttpRequest request) {
        connection = open;
        decision.whenComplete((chosen, cut) -> {
            if (cut != null) {
                sent.completeExceptionally(cut);
                return;
            }
            writer = chosen;
            try {
                writers.execute(() -> send(open, request));
            } catch (final RuntimeException rejected) {
                open.close(CloseMode.IMMEDIATE);
                sent.completeExceptionally(new IOException("no thread for the request body: " + rejected.getMessage()));
            }
        });
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
        return new java.io.FilterInputStream(responseBody) {
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

    @Override
    public void writeTo(final OutputStream out) throws IOException {
        writer.writeTo(out);
    }

    @Override
    public InputStream getContent() {
        throw new UnsupportedOperationException("a tunnel body can only be written");
    }

    @Override
    public long getContentLength() {
        return -1;
    }

    /** Until its writer starts, no byte of it has gone: an exchange that got no answer can be sent again. */
    @Override
    public boolean isRepeatable() {
        return writer == null;
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
