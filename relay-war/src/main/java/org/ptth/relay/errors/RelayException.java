package org.ptth.relay.errors;

import org.ptth.protocol.Refusal;

/**
 * A call the relay refuses: the HTTP status and the one-line reason the caller sees.
 * Thrown by endpoints and the registry, turned into a response in one place ({@link ErrorResponses}).
 */
public final class RelayException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final int retryAfterSeconds;

    public RelayException(final int status, final String reason) {
        this(status, reason, 0);
    }

    public RelayException(final int status, final String reason, final int retryAfterSeconds) {
        super(reason, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    /** Seconds for a Retry-After header, or 0 for none. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static RelayException badRequest(final String reason) {
        return new RelayException(Refusal.MALFORMED.status(), reason);
    }

    public static RelayException unauthorized() {
        return new RelayException(Refusal.UNKNOWN_KEY.status(), Refusal.UNKNOWN_KEY.reason());
    }

    public static RelayException forbidden(final String reason) {
        return new RelayException(Refusal.WRONG_KEY.status(), reason);
    }

    /** Also the answer for a target the client may not reach, so that names cannot be probed. */
    public static RelayException notOnline() {
        return new RelayException(Refusal.NOT_ONLINE.status(), Refusal.NOT_ONLINE.reason());
    }

    public static RelayException conflict(final String reason) {
        return new RelayException(Refusal.WRONG_STATE.status(), reason);
    }

    public static RelayException unavailable(final String reason, final int retryAfterSeconds) {
        return new RelayException(Refusal.UNCONFIGURED.status(), reason, retryAfterSeconds);
    }
}
