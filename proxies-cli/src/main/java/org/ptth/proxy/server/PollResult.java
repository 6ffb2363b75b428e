package org.ptth.proxy.server;

/**
 * What one listen poll came to: a connection the relay offered, or how long to wait before the
 * next poll (0: poll again at once).
 *
 * @param connectionId the offered connection's ID, or null
 */
record PollResult(String connectionId, long waitMillis) {

    static final PollResult AT_ONCE = new PollResult(null, 0);

    static PollResult offer(final String connectionId) {
        return new PollResult(connectionId, 0);
    }

    static PollResult after(final long waitMillis) {
        return new PollResult(null, waitMillis);
    }

    boolean offered() {
        return connectionId != null;
    }
}
