package org.ptth.relay.mux;

import java.util.ArrayList;
import java.util.List;

/**
 * The connections that the frames of one read have given something to send. While a read is
 * parsed, forwarded frames only queue; when it is over, each connection touched writes once, so
 * that the frames of many tunnels leave in one message and one write.
 */
final class WriteBatch {
    private static final ThreadLocal<WriteBatch> CURRENT = new ThreadLocal<>();

    private final List<MuxConnection> touched = new ArrayList<>(4);

    private WriteBatch() {
    }

    /** Starts a batch on this thread (a read of a connection), unless one is under way. */
    static WriteBatch begin() {
        final WriteBatch running = CURRENT.get();
        if (running != null) {
            return null;
        }
        final WriteBatch batch = new WriteBatch();
        CURRENT.set(batch);
        return batch;
    }

    /** Queues the connection's write for the end of the batch; false when no batch runs on this thread. */
    static boolean defer(final MuxConnection connection) {
        final WriteBatch batch = CURRENT.get();
        if (batch == null) {
            return false;
        }
        for (final MuxConnection seen : batch.touched) {
            if (seen == connection) {
                return true;
            }
        }
        batch.touched.add(connection);
        return true;
    }

    /** Ends a batch that {@link #begin()} started (null: it started none). */
    static void end(final WriteBatch batch) {
        if (batch != null) {
            batch.end();
        }
    }

    /** Ends the batch and lets each connection it touched write. */
    void end() {
        CURRENT.remove();
        for (final MuxConnection connection : touched) {
            connection.flush();
        }
    }
}
