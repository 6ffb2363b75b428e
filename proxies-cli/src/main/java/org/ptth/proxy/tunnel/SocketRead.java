package org.ptth.proxy.tunnel;

/**
 * What one read of a tunnel's socket gave ({@link SocketInput#read}): bytes, a quiet heartbeat
 * interval, the end of the stream, or a failure with its reason.
 *
 * @param count   the bytes read (at least 1) for {@link Kind#DATA}, else 0
 * @param failure why the socket failed, for {@link Kind#FAILED}; else null
 */
record SocketRead(Kind kind, int count, String failure) {

    enum Kind { DATA, QUIET, END_OF_STREAM, FAILED }

    static final SocketRead QUIET = new SocketRead(Kind.QUIET, 0, null);
    static final SocketRead END_OF_STREAM = new SocketRead(Kind.END_OF_STREAM, 0, null);

    static SocketRead data(final int count) {
        return new SocketRead(Kind.DATA, count, null);
    }

    static SocketRead failed(final String failure) {
        return new SocketRead(Kind.FAILED, 0, failure);
    }
}
