package org.ptth.proxy.tunnel;

/**
 * How a tunnel ended, for the closing log line and for tests.
 *
 * @param aborted true when a direction failed; false when both ended with END
 * @param reason  why it ended, in words
 * @param up      bytes moved from the TCP client towards the TCP server
 * @param down    bytes moved from the TCP server towards the TCP client
 * @param millis  how long the tunnel lived
 */
public record TunnelOutcome(boolean aborted, String reason, long up, long down, long millis) {

    /** The line every transport logs when a tunnel closes: who, bytes each way, how long, why. */
    public String closedLine(final String id, final String label) {
        return "tunnel " + id + " closed: " + label + ", up " + up + " bytes, down " + down + " bytes, "
                + millis + " ms, " + reason;
    }
}
