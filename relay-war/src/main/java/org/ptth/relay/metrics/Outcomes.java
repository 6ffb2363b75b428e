package org.ptth.relay.metrics;

/**
 * Turns the reasons the transports give (the texts of their audit lines) into the few values of
 * the {@code reason} and {@code how} labels. The text itself stays on the status page.
 */
final class Outcomes {
    private Outcomes() {
    }

    /** Why a tunnel never opened, from what the client was answered and the audit reason. */
    static String refusal(final int status, final String why) {
        final String text = why == null ? "" : why;
        if (text.contains("protocol error")) {
            return "protocol_error";
        }
        if (text.contains("not allowed")) {
            return "not_allowed";
        }
        return switch (status) {
            case 404 -> "not_online";
            case 401 -> "key_removed";
            case 429 -> "limit";
            case 503 -> text.contains("stopping") ? "relay_stopping"
                    : text.contains("configuration") ? "unconfigured" : "limit";
            case 502 -> text.startsWith("target refused") ? "target_refused"
                    : text.contains("in time") ? "accept_timeout"
                    : text.startsWith("client") ? "client_gone" : "server_gone";
            case 0, 410 -> "client_gone";
            default -> "other";
        };
    }

    /** How an open tunnel ended, from its audit reason. */
    static String closing(final String why) {
        final String text = why == null ? "" : why;
        if (text.equals("both directions ended")) {
            return "ended";
        }
        if (text.startsWith("idle for")) {
            return "idle";
        }
        if (text.startsWith("configuration changed")) {
            return "reload";
        }
        if (text.contains("relay stopping")) {
            return "relay_stopping";
        }
        if (text.contains("protocol error")) {
            return "protocol_error";
        }
        return "aborted";
    }
}
