package org.ptth.proxy.relay;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;

/**
 * The request body of a duplex exchange: a blocking {@link OutputStream}, written on a tunnel
 * thread, bridged to the I/O reactor, which takes the bytes whenever the connection can send.
 *
 * <p>Unlike httpcore's AbstractClassicEntityProducer (whose {@code flush()} does nothing and which
 * keeps small writes until its buffer fills), {@code flush()} here asks the reactor for output and
 * waits until the bytes have gone to the connection: a keystroke leaves at once. A full buffer
 * blocks the writer, which is the backpressure.
 *
 * <p>The writer starts once the reactor first asks for the body and once the caller has decided
 * what the body holds ({@link #send}): so that nothing goes out before the relay confirmed duplex.
 */
final class DuplexBody implements AsyncEntityProducer {

    /** What writes the body; runs on the executor, and should close the stream when done. */
    @FunctionalInterface
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    static final int BUFFER_BYTES = 64 * 1024;

    private final Executor executor;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES); // write mode: filled up to position
    private final CompletableFuture<Void> asked = new CompletableFuture<>();
    private final CompletableFuture<Writer> writer = new CompletableFuture<>();

    private DataStreamChannel channel;
    private boolean closed;
    private boolean endSent;
    private String failure;

    DuplexBody(final Executor executor) {
        this.executor = executor;
        asked.thenAcceptBoth(writer, (ignored, chosen) -> write(chosen))
                .exceptionally(noWriter -> null);
    }

    /** Decides what the body holds: the writer starts once the reactor asks for the body, on the executor. */
    void send(final Writer chosen) {
        writer.complete(chosen);
    }

    /** The body ends empty: for an exchange whose answer means nothing is to be sent on it. */
    void endEmpty() {
        writer.complete(OutputStream::close);
    }

    private void write(final Writer chosen) {
        try {
            executor.execute(() -> {
                try (OutputStream out = new Output()) {
                    chosen.writeTo(out);
                } catch (final IOException | RuntimeException over) {
                    fail("the body's writer failed: " + over.getMessage());
                }
            });
        } catch (final RuntimeException rejected) {
            fail("no thread for the request body: " + rejected.getMessage());
        }
    }

    // ---- the reactor's side

    @Override
    public void produce(final DataStreamChannel dataChannel) throws IOException {
        lock.lock();
        try {
            channel = dataChannel;
            if (buffer.position() > 0) {
                buffer.flip();
                dataChannel.write(buffer);
                buffer.compact();
            }
            if (closed && buffer.position() == 0 && !endSent && failure == null) {
                endSent = true;
                dataChannel.endStream();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        asked.complete(null);
    }

    @Override
    public int available() {
        lock.lock();
        try {
            if (buffer.position() > 0) {
                return buffer.position();
            }
            return closed && !endSent && failure == null ? 1 : 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void failed(final Exception cause) {
        fail("the exchange failed: " + cause.getMessage());
    }

    @Override
    public void releaseResources() {
        fail("the exchange is over");
        writer.completeExceptionally(new IOException("the exchange is over"));
    }

    private void fail(final String why) {
        lock.lock();
        try {
            if (failure == null && !endSent) {
                failure = why;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    @Override
    public long getContentLength() {
        return -1;
    }

    @Override
    public String getContentType() {
        return ContentType.APPLICATION_OCTET_STREAM.toString();
    }

    @Override
    public String getContentEncoding() {
        return null;
    }

    @Override
    public boolean isChunked() {
        return true;
    }

    @Override
    public Set<String> getTrailerNames() {
        return null;
    }

    // ---- the writer's side

    /** The stream the writer sees. Not thread-safe: one writer thread. */
    private final class Output extends OutputStream {

        @Override
        public void write(final int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(final byte[] bytes, final int offset, final int length) throws IOException {
            int done = 0;
            while (done < length) {
                final boolean full;
                lock.lock();
                try {
                    check();
                    final int count = Math.min(buffer.remaining(), length - done);
                    buffer.put(bytes, offset + done, count);
                    done += count;
                    full = !buffer.hasRemaining();
                } finally {
                    lock.unlock();
                }
                if (full) {
                    flush();
                }
            }
        }

        /** Hands what is buffered to the reactor and waits until it has taken all of it. */
        @Override
        public void flush() throws IOException {
            requestOutput();
            awaitDrained();
        }

        /** Ends the body once what is buffered has gone; waits for that. */
        @Override
        public void close() throws IOException {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                check();
                closed = true;
            } finally {
                lock.unlock();
            }
            requestOutput();
            lock.lock();
            try {
                while (!endSent) {
                    check();
                    await();
                }
            } finally {
                lock.unlock();
            }
        }

        private void awaitDrained() throws IOException {
            lock.lock();
            try {
                while (buffer.position() > 0) {
                    check();
                    await();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Outside the lock: the channel takes the connection's own lock. */
        private void requestOutput() {
            final DataStreamChannel target;
            lock.lock();
            try {
                target = channel;
            } finally {
                lock.unlock();
            }
            if (target != null) {
                target.requestOutput();
            }
        }

        private void check() throws IOException {
            if (failure != null) {
                throw new IOException(failure);
            }
        }

        private void await() throws InterruptedIOException {
            try {
                // bounded, so that a lost wake-up costs a moment, never a hang
                changed.await(1, TimeUnit.SECONDS);
            } catch (final InterruptedException stop) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while sending");
            }
        }
    }
}
