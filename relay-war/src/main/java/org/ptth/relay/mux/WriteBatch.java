package org.ptth.relay.mux;

import java.util.ArrayList;
import java.util.List;

/**
 * The writers (mux connections, joined HTTP bodies) that the frames of one read, or one tunnel
 * event, have given something to send. While a read is parsed or a tunnel's lock is held, forwarded
 * frames only queue; when it is over, each writer touched writes once: the frames of many tunnels
 * leave in one message and one write, and no write happens under a tunnel's lock.
 */
public final class WriteBatch {
    private static final ThreadLocal<WriteBatch> CURRENT = new ThreadLocal<>();

    private final List<QueuedWriter> touched = new ArrayList<>(4);

    private WriteBatch() {
    }

    /** Starts a batch on this thread (a read of a connection), unless one is under way. */
    public static WriteBatch begin() {
        final WriteBatch running = CURRENT.get();
        if (running != null) {
            return null;
        }
        final WriteBatch batch = new WriteBatch();
        CURRENT.set(batch);
        return batch;
    }

    /** Queues the writer's write for the end of the batch; false when no batch runs on this thread. */
    public static boolean defer(final QueuedWriter writer) {
        final WriteBatch batch = CURRENT.get();
        if (batch == null) {
            return false;
        }
        for (final QueuedWriter seen : batch.touched) {
            if (seen == writer) {
                return true;
            }
        }
        batch.touched.add(writer);
        return true;
    }

    /** Writes now, or at the end of the batch under way on this thread. */
    public static void wake(final QueuedWriter writer) {
        if (!defer(writer)) {
            writer.flush();
        }
    }

    /** Ends a batch that {@link #begin()} started (null: it started none). */
    public static void end(final WriteBatch batch) {
        if (batch != null) {
            batch.end();
        }
    }

    /**
     * Ends the batch and lets each connection it touched write. The thread's slot is cleared, not
     * removed: a container thread starts a batch on every read, and a removed slot would make each
     * next lookup miss and insert it again. A null value holds nothing of the web application
     * after it is undeployed.
     */
    void end() {
        CURRENT.set(null);
        for (final QueuedWriter writer : touched) {
            writer.flush();
        }
    }
}
