package org.ptth.relay.pump;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.io.IOException;

/** A request body read under its call's {@link StreamGuard}; a read of a lost call fails. */
final class GuardedInput extends ServletInputStream {
    private final ServletInputStream in;
    private final StreamGuard guard;

    GuardedInput(final ServletInputStream in, final StreamGuard guard) {
        this.in = in;
        this.guard = guard;
    }

    /** A lost call is not finished: its body was cut, and the read that follows says so. */
    @Override
    public boolean isFinished() {
        if (!guard.tryEnter()) {
            return false;
        }
        try {
            return in.isFinished();
        } finally {
            guard.exit();
        }
    }

    /** A lost call is ready: the next read fails, and the splice aborts on that failure. */
    @Override
    public boolean isReady() {
        if (!guard.tryEnter()) {
            return true;
        }
        try {
            return in.isReady();
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
     * and a recycled stream that refuses the listener (Tomcat's CoyoteInputStream throws once its
     * request was recycled) is this lost call's failure, not the caller's: its next use fails.
     */
    @Override
    public void setReadListener(final ReadListener listener) {
        if (guard.isLost()) {
            return;
        }
        try {
            in.setReadListener(GuardedListener.reading(listener, guard));
        } catch (final RuntimeException e) {
            if (!guard.isLost()) {
                throw e;
            }
        }
    }

    @Override
    public int read() throws IOException {
        guard.enter();
        try {
            return in.read();
        } finally {
            guard.exit();
        }
    }

    @Override
    public int read(final byte[] bytes, final int offset, final int length) throws IOException {
        guard.enter();
        try {
            return in.read(bytes, offset, length);
        } finally {
            guard.exit();
        }
    }
}
