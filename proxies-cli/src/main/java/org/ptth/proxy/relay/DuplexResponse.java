package org.ptth.proxy.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The response of a duplex exchange: its head as soon as it arrives, and its body as a blocking
 * {@link InputStream} fed by the I/O reactor while the request body is still going out.
 *
 * <p>A read waits at most the read timeout for bytes and then throws
 * {@link SocketTimeoutException}, as a socket read would: with the request body sending heartbeats
 * the connection itself is never idle, so this is the peer-gone clock of the incoming direction.
 * The reactor may deliver a window of bytes (HTTP/1.1's initial window, 64 KiB) before it asks for
 * room; from then on every byte the reader takes lets one more in, so that the buffer and the
 * window together never pass {@link #BUFFER_BYTES}: a slow TCP peer stops the reading of the
 * connection, TCP backpressure does the rest.
 */
final class DuplexResponse implements AsyncResponseConsumer<Void>, StreamedResponse {

    static final int BUFFER_BYTES = 64 * 1024;

    private final String description;
    private final Exchange exchange;
    private final long readTimeoutNanos;
    private final CompletableFuture<HttpResponse> head = new CompletableFuture<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES); // write mode: filled up to position
    private CapacityChannel capacity;
    private boolean ended;
    private String failure;
    private volatile FutureCallback<Void> done;
    private final InputStream body = new Body();

    DuplexResponse(final String description, final Exchange exchange, final Duration readTimeout) {
        this.description = description;
        this.exchange = exchange;
        this.readTimeoutNanos = readTimeout.toNanos();
    }

    /** Completes with the response head, or exceptionally when the exchange failed first. */
    CompletableFuture<HttpResponse> head() {
        return head;
    }

    // ---- the reactor's side

    @Override
    public void consumeResponse(final HttpResponse response, final EntityDetails entity, final HttpContext context,
                                final FutureCallback<Void> done) {
        if (entity == null) {
            markEnded();
        }
        head.complete(response);
        if (entity == null && done != null) {
            done.completed(null);
        }
        this.done = done;
    }

    @Override
    public void informationResponse(final HttpResponse response, final HttpContext context) {
        // a 1xx says nothing about the tunnel
    }

    @Override
    public void updateCapacity(final CapacityChannel channel) throws IOException {
        final int room;
        lock.lock();
        try {
            capacity = channel;
            room = buffer.remaining();
        } finally {
            lock.unlock();
        }
        if (room > 0) {
            channel.update(room);
        }
    }

    @Override
    public void consume(final ByteBuffer src) {
        lock.lock();
        try {
            if (src.remaining() > buffer.remaining()) {
                // more than the room we gave: keep it all rather than lose a byte
                final ByteBuffer bigger = ByteBuffer.allocate(buffer.position() + src.remaining());
                buffer.flip();
                bigger.put(buffer);
                buffer = bigger;
            }
            buffer.put(src);
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void streamEnd(final List<? extends Header> trailers) {
        markEnded();
        final FutureCallback<Void> callback = done;
        if (callback != null) {
            callback.completed(null);
        }
    }

    @Override
    public void failed(final Exception cause) {
        head.completeExceptionally(cause);
        fail(description + " failed: " + RelayProblem.describe(cause));
    }

    @Override
    public void releaseResources() {
        head.completeExceptionally(new IOException(description + " ended before its response"));
        fail(description + " cut");
    }

    private void markEnded() {
        lock.lock();
        try {
            ended = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void fail(final String why) {
        lock.lock();
        try {
            if (!ended && failure == null) {
                failure = why;
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---- the reader's side

    private HttpResponse response() {
        return head.getNow(null);
    }

    @Override
    public int status() {
        return response().getCode();
    }

    @Override
    public String header(final String name) {
        final Header header = response().getFirstHeader(name);
        return header == null ? null : header.getValue();
    }

    @Override
    public InputStream body() {
        return body;
    }

    @Override
    public String errorLine() {
        final HttpResponse response = response();
        final Header type = response.getFirstHeader("Content-Type");
        return ErrorLine.of(response.getCode(), type == null ? null : type.getValue(), response.getReasonPhrase(),
                this::body);
    }

    /** Nothing to do: a duplex exchange completes by itself once both bodies have ended. */
    @Override
    public void closeGracefully() {
    }

    @Override
    public void close() {
        exchange.cancel();
    }

    @Override
    public String toString() {
        return description + " -> " + (head.isDone() && !head.isCompletedExceptionally() ? status() : "no answer");
    }

    private final class Body extends InputStream {

        @Override
        public int read() throws IOException {
            final byte[] one = new byte[1];
            final int count = read(one, 0, 1);
            return count < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(final byte[] bytes, final int offset, final int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            final int count;
            final CapacityChannel more;
            lock.lock();
            try {
                long left = readTimeoutNanos;
                while (buffer.position() == 0 && !ended && failure == null) {
                    if (left <= 0) {
                        throw new SocketTimeoutException("no byte for " + readTimeoutNanos / 1_000_000_000L + " s");
                    }
                    try {
                        left = arrived.awaitNanos(left);
                    } catch (final InterruptedException stop) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while reading " + description);
                    }
                }
                if (buffer.position() == 0) {
                    if (failure != null) {
                        throw new IOException(failure);
                    }
                    return -1;
                }
                buffer.flip();
                count = Math.min(length, buffer.remaining());
                buffer.get(bytes, offset, count);
                buffer.compact();
                if (buffer.position() == 0 && buffer.capacity() > BUFFER_BYTES) {
                    buffer = ByteBuffer.allocate(BUFFER_BYTES);
                }
                more = ended ? null : capacity;
            } finally {
                lock.unlock();
            }
            if (more != null) {
                // the bytes taken make room for as many more; outside the lock, as the channel has its own
                more.update(count);
            }
            return count;
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return buffer.position();
            } finally {
                lock.unlock();
            }
        }
    }
}
