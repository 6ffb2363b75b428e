package org.ptth.relay.pump;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps the relay's use of one call's request and response apart from the container letting go of
 * that call. A splice reads and writes from whichever thread signals it, while the container reports
 * a broken connection on its own thread and, once its error callbacks have returned, completes the
 * call and recycles it: Tomcat hands the same buffers to the next request it serves. A read or write
 * caught in between would take bytes from that other request's body or put bytes into its response.
 *
 * <p>Each use of the call (one stream call, setting the response head, or completing it) runs under
 * this lock, and the container's error callback marks the call lost under it before returning: no
 * use is under way when the call is recycled, and none starts after. Uses are single non-blocking
 * calls, so the error callback waits for at most one of them. Completing takes the lock of the
 * call's async state, which the container holds while it reports the completion; that report comes
 * only after the call's one completion (the exchange completes once), or after the error callback
 * has shut this guard. Setting a read or write listener can take the connection's lock, and stays
 * outside; {@link GuardedListener} keeps the callbacks of a lost call away from the relay instead.
 *
 * <p>One use does take the connection's lock: a read that meets the last chunk of a chunked body,
 * on a thread that is not the connection's, dispatches onAllDataRead under that lock (Tomcat's
 * ChunkedInputFilter), and the splices read a body from whichever thread runs them. The container
 * holds that lock while it calls back, so a callback must not wait for this guard: whether the
 * call is lost is read without it ({@link #isLost()}); the container sets it only under the same
 * connection lock, so the answer holds for the whole callback. A callback that then runs a splice
 * uses the call's response under this guard, and would wait for such a read; but that callback is
 * onWritePossible after a write the peer did not take, and a peer sends its last chunk only once its
 * tunnel is over, having read the other direction to its END: no relay write waits on it by then.
 */
final class StreamGuard {
    /** A use of a call that the container has already given up. */
    static final class LostException extends IOException {
        LostException(final String label) {
            super(label + ": the connection is gone");
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final String label;
    /** Set under the lock, so that no use is under way once it is; read without it by callbacks. */
    private volatile boolean lost;

    StreamGuard(final String label) {
        this.label = label;
    }

    /** Starts a use; every successful call must be followed by {@link #exit()}. */
    void enter() throws LostException {
        lock.lock();
        if (lost) {
            lock.unlock();
            throw new LostException(label);
        }
    }

    /** Starts a use unless the call is lost; true if it started, to be followed by {@link #exit()}. */
    boolean tryEnter() {
        lock.lock();
        if (lost) {
            lock.unlock();
            return false;
        }
        return true;
    }

    void exit() {
        lock.unlock();
    }

    /** The container has given the call up: waits for a use under way, refuses every later one. */
    void lose() {
        lock.lock();
        try {
            lost = true;
        } finally {
            lock.unlock();
        }
    }

    /** What a use of the lost call fails with. */
    LostException lostException() {
        return new LostException(label);
    }

    /**
     * Whether the container has given the call up, without waiting for a use under way: a callback
     * asks this under the connection's lock, which such a use may be waiting for (see above).
     */
    boolean isLost() {
        return lost;
    }
}
