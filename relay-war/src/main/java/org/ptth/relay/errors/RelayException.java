package org.ptth.relay.errors;

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
        return new RelayException(400, reason);
    }

    public static RelayException unauthorized() {
        return new RelayException(401, "missing or unknown key");
    }

    public static RelayException forbidden(final String reason) {
        return new RelayException(403, reason);
    }

    /** Also the answer for a target the client may not reach, so that names cannot be probed. */
    public static RelayException notOnline() {
        return new RelayException(404, "no such server or port online");
    }

    public static RelayException conflict(final String reason) {
        return new RelayException(409, reason);
    }

    public static RelayException unavailable(final String reason, final int retryAfterSeconds) {
        return new RelayException(503, reason, retryAfterSeconds);
    }
}
