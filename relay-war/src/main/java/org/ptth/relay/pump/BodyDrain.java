package org.ptth.relay.pump;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads what is left of a request body and throws it away, without holding a thread, then lets the
 * call complete. Tomcat reads an unread body to its end on a container thread when a call completes,
 * however slowly it comes: a few hundred callers trickling bodies would hold every thread. Draining
 * it with non-blocking reads first leaves the container nothing to read.
 */
public final class BodyDrain implements ReadListener {
    private final ServletInputStream in;
    private final Runnable complete;
    private final AtomicBoolean over = new AtomicBoolean();

    private BodyDrain(final ServletInputStream in, final Runnable complete) {
        this.in = in;
        this.complete = complete;
    }

    /** Whether the request promised a body that has not been read to its end. */
    public static boolean unfinished(final HttpServletRequest request) throws IOException {
        final boolean promised = request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
        return promised && !request.getInputStream().isFinished();
    }

    /**
     * Drains the body of an async call, then runs {@code complete} once: at its end, or when reading
     * it failed (the connector's read timeout ends a body that stops coming).
     */
    public static void thenComplete(final ServletInputStream in, final Runnable complete) {
        in.setReadListener(new BodyDrain(in, complete));
    }

    @Override
    public void onDataAvailable() throws IOException {
        final byte[] scratch = new byte[8192];
        // read() may give 0 while isReady() said true (a chunk header without its data): isReady() again
        while (!in.isFinished() && in.isReady()) {
            if (in.read(scratch) < 0) {
                break;
            }
        }
        if (in.isFinished()) {
            onAllDataRead();
        }
    }

    @Override
    public void onAllDataRead() {
        if (over.compareAndSet(false, true)) {
            complete.run();
        }
    }

    @Override
    public void onError(final Throwable t) {
        onAllDataRead();
    }
}
