package org.ptth.proxy.mux;

import java.io.IOException;

/**
 * The upgrade to the mux transport was answered with a status instead of 101: the relay refused
 * (401, 403, 429, 503), or something on the way does not pass WebSocket (426 from the relay when a
 * front dropped the Upgrade header, 404 or 405 from a relay older than the mux transport).
 */
final class UpgradeRefused extends IOException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String reason;
    private final long retryAfterMillis;

    /** @param reason the relay's Ptth-Reason, or null */
    UpgradeRefused(final int status, final String reason, final long retryAfterMillis) {
        super("HTTP " + status + (reason == null || reason.isEmpty() ? "" : ": " + reason));
        this.status = status;
        this.reason = reason;
        this.retryAfterMillis = retryAfterMillis;
    }

    int status() {
        return status;
    }

    String reason() {
        return reason;
    }

    long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** The key is wrong or not allowed here: the operator must act; other transports would get the same. */
    boolean rejected() {
        return status == 401 || status == 403;
    }

    /** The relay is there but busy or not configured: try again later, as with an unreachable relay. */
    boolean unavailable() {
        return status == 429 || status >= 500;
    }

    /** Undoes the relay's %XX escapes of Ptth-Reason. */
    static String unescape(final String header) {
        return org.ptth.proxy.relayclient.ErrorLine.unescape(header);
    }
}
