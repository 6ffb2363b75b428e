package org.ptth.relay.websocket;

/** The close status codes of RFC 6455 section 7.4.1 that the relay sends or checks. */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    /** Never sent: a close frame without a status code is reported with this one. */
    public static final int NO_STATUS = 1005;
    /** Never sent: a connection that ended without a close frame is reported with this one. */
    public static final int ABNORMAL = 1006;
    public static final int INVALID_PAYLOAD = 1007;
    public static final int POLICY_VIOLATION = 1008;
    public static final int TOO_BIG = 1009;
    public static final int INTERNAL_ERROR = 1011;

    private CloseCodes() {
    }

    /** Whether a peer may send this code in a close frame (RFC 6455 section 7.4). */
    public static boolean sendable(final int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }
}
