package org.ptth.protocol;

/**
 * The status table (docs/protocol.md, "Status codes"): each way the relay, or a server proxy
 * answering a mux OPEN, refuses a call or a tunnel, with its status and, where the reason is always the same, that reason. Refusals whose
 * reason names the caller or the cause carry no fixed reason.
 */
public enum Refusal {
    /** A malformed path, name, ID or header, or an unknown endpoint. */
    MALFORMED(400, null),
    UNKNOWN_KEY(401, "missing or unknown key"),
    /** A key of the wrong kind for the endpoint, or a server key for another server's path. */
    WRONG_KEY(403, null),
    /** Also the answer for a target the client may not reach, so that names cannot be probed. */
    NOT_ONLINE(404, "no such server or port online"),
    /** Not POST (not GET for the mux endpoint). */
    WRONG_METHOD(405, null),
    /** The ID is unknown, already used on this endpoint, or not in a state for this call. */
    WRONG_STATE(409, null),
    /** A direction's call whose tunnel was aborted before its body was all relayed: the reason is this and why. */
    TUNNEL_CLOSED(410, "tunnel closed"),
    /** A limit of one client or server (with Retry-After). */
    CALLER_LIMIT(429, null),
    /** The server proxy refused the connection: the reason is this, and its own reason when it gave one. */
    TARGET_REFUSED(502, "target refused by server proxy"),
    NO_ACCEPT_IN_TIME(502, "server proxy did not accept the connection in time"),
    /** A limit of the whole relay (with Retry-After). */
    RELAY_LIMIT(503, null),
    /** No valid configuration: the reason says why. */
    UNCONFIGURED(503, null),
    STOPPING(503, "relay stopping"),
    /** A server proxy's REFUSE of an OPEN (mux) once its own drain has begun. */
    SERVER_PROXY_STOPPING(503, "the server proxy is stopping"),
    /** A server proxy's REFUSE of an OPEN (mux) when it has no socket for the target: the reason is this and why. */
    SERVER_PROXY_NO_SOCKET(503, "the server proxy cannot open a socket");

    private final int status;
    private final String reason;

    Refusal(final int status, final String reason) {
        this.status = status;
        this.reason = reason;
    }

    public int status() {
        return status;
    }

    /** The fixed reason, or null when each refusal of this kind gives its own. */
    public String reason() {
        return reason;
    }

    /** The fixed reason followed by a detail ({@code "tunnel closed: idle for 90 s"}); the reason alone for a blank detail. */
    public String reason(final String detail) {
        return detail == null || detail.isBlank() ? reason : reason + ": " + detail;
    }
}
