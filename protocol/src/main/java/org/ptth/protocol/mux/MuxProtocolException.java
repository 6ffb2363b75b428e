package org.ptth.protocol.mux;

/**
 * The peer broke the multiplexed protocol (an unknown frame type, a length over the limit, a
 * payload that does not parse): the connection cannot go on, since framing is lost or its state
 * can no longer be trusted.
 */
public final class MuxProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public MuxProtocolException(final String message) {
        super(message);
    }
}
