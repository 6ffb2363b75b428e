package org.ptth.relay.endpoints;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Reads a small request body without blocking: keeps its first {@code limit} bytes and discards the
 * rest. A caller who withholds the body holds no container thread; the connector's read timeout
 * ends such a call with an error instead.
 */
final class BodyCollector implements ReadListener {
    private final ServletInputStream in;
    private final int limit;
    private final Consumer<byte[]> onEnd;
    private final Runnable onFailure;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final AtomicBoolean over = new AtomicBoolean();

    BodyCollector(final ServletInputStream in, final int limit, final Consumer<byte[]> onEnd, final Runnable onFailure) {
        this.in = in;
        this.limit = limit;
        this.onEnd = onEnd;
        this.onFailure = onFailure;
    }

    /** The bytes kept so far. */
    synchronized byte[] kept() {
        return kept.toByteArray();
    }

    @Override
    public void onDataAvailable() throws IOException {
        final byte[] scratch = new byte[1024];
        while (!in.isFinished() && in.isReady()) {
            final int n = in.read(scratch);
            if (n < 0) {
                break;
            }
            synchronized (this) {
                kept.write(scratch, 0, Math.min(n, Math.max(0, limit - kept.size())));
            }
        }
        if (in.isFinished()) {
            onAllDataRead();
        }
    }

    @Override
    public void onAllDataRead() {
        if (over.compareAndSet(false, true)) {
            onEnd.accept(kept());
        }
    }

    @Override
    public void onError(final Throwable t) {
        if (over.compareAndSet(false, true)) {
            onFailure.run();
        }
    }
}
