package org.ptth.relay.pump;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

import java.io.IOException;

/** A response body written under its call's {@link StreamGuard}; a write to a lost call fails. */
final class GuardedOutput extends ServletOutputStream {
    private final ServletOutputStream out;
    private final StreamGuard guard;

    GuardedOutput(final ServletOutputStream out, final StreamGuard guard) {
        this.out = out;
        this.guard = guard;
    }

    /** A lost call is ready: the next write fails, and the splice aborts on that failure. */
    @Override
    public boolean isReady() {
        if (!guard.tryEnter()) {
            return true;
        }
        try {
            return out.isReady();
        } finally {
            guard.exit();
        }
    }

    /**
     * Not under the guard: called from a thread that is not the container's, Tomcat runs the first
     * callback right here under the connection's own lock, which the container's error callback
     * holds while it waits for the guard. Set once, when the splice takes the call up. The call may
     * be lost and recycled between the check and the set: the listener is wrapped so that callbacks
     * from then on, maybe of the next request on the connection, never reach the relay's listener;
     * and a recycled stream that refuses the listener (Tomcat's CoyoteOutputStream throws once its
     * request was recycled) is this lost call's failure, not the caller's: its next use fails.
     */
    @Override
    public void setWriteListener(final WriteListener listener) {
        if (guard.isLost()) {
            return;
        }
        try {
            out.setWriteListener(GuardedListener.writing(listener, guard));
        } catch (final RuntimeException e) {
            if (!guard.isLost()) {
                throw e;
            }
        }
    }

    @Override
    public void write(final int b) throws IOException {
        guard.enter();
        try {
            out.write(b);
        } finally {
            guard.exit();
        }
    }

    @Override
    public void write(final byte[] bytes, final int offset, final int length) throws IOException {
        guard.enter();
        try {
            out.write(bytes, offset, length);
        } finally {
            guard.exit();
        }
    }

    @Override
    public void flush() throws IOException {
        guard.enter();
        try {
            out.flush();
        } finally {
            guard.exit();
        }
    }

    @Override
    public void close() throws IOException {
        guard.enter();
        try {
            out.close();
        } finally {
            guard.exit();
        }
    }
}
