package org.ptth.relay.websocket;

/**
 * The peer broke RFC 6455 (or the subprotocol's use of it): the connection is closed with
 * {@link #closeCode()} and the message as the close reason.
 */
public final class WebSocketException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int closeCode;

    public WebSocketException(final int closeCode, final String message) {
        super(message, null, false, false);
        this.closeCode = closeCode;
    }

    /** The status code of the close frame that answers this error (1002, 1007, ...). */
    public int closeCode() {
        return closeCode;
    }
}
