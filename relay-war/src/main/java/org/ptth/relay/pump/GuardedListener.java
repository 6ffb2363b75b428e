package org.ptth.relay.pump;

import jakarta.servlet.ReadListener;
import jakarta.servlet.WriteListener;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The listener that the relay hands the container for one call's body. It is set outside the call's
 * {@link StreamGuard} (see {@link GuardedInput#setReadListener}), so the call may be lost, and its
 * stream recycled for the next request on that connection, between the guard's check and the set:
 * the container's callbacks then come from that other request. Each callback therefore checks the
 * guard first. Those of a lost call never reach the relay's listener; it hears once, through its
 * onError, that its own call is gone, and never another request's data or error.
 */
final class GuardedListener implements ReadListener, WriteListener {
    private final StreamGuard guard;
    private final ReadListener reader;
    private final WriteListener writer;
    private final AtomicBoolean lossTold = new AtomicBoolean();

    private GuardedListener(final StreamGuard guard, final ReadListener reader, final WriteListener writer) {
        this.guard = guard;
        this.reader = reader;
        this.writer = writer;
    }

    static GuardedListener reading(final ReadListener listener, final StreamGuard guard) {
        return new GuardedListener(guard, listener, null);
    }

    static GuardedListener writing(final WriteListener listener, final StreamGuard guard) {
        return new GuardedListener(guard, null, listener);
    }

    /** Whether the relay's listener behind this one is {@code listener}. */
    boolean isFor(final Object listener) {
        return reader == listener || writer == listener;
    }

    @Override
    public void onDataAvailable() throws IOException {
        if (live()) {
            reader.onDataAvailable();
        }
    }

    @Override
    public void onAllDataRead() throws IOException {
        if (live()) {
            reader.onAllDataRead();
        }
    }

    @Override
    public void onWritePossible() throws IOException {
        if (live()) {
            writer.onWritePossible();
        }
    }

    @Override
    public void onError(final Throwable t) {
        if (live()) {
            tell(t);
        }
    }

    /** False once the call is lost; the first time, the relay's listener hears that. */
    private boolean live() {
        if (!guard.isLost()) {
            return true;
        }
        if (lossTold.compareAndSet(false, true)) {
            tell(guard.lostException());
        }
        return false;
    }

    private void tell(final Throwable t) {
        if (reader != null) {
            reader.onError(t);
        } else {
            writer.onError(t);
        }
    }
}
