package org.ptth.proxy.tunnel;

import java.time.Duration;

/**
 * Timing shared by both terminators.
 *
 * @param heartbeat   silence on an outgoing body after which a HEARTBEAT frame goes out
 * @param peerTimeout silence on an incoming body after which the peer counts as gone
 */
public record TunnelSettings(Duration heartbeat, Duration peerTimeout) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofSeconds(45);

    public TunnelSettings {
        if (heartbeat.isZero() || heartbeat.isNegative()) {
            throw new IllegalArgumentException("the heartbeat interval must be positive");
        }
        if (peerTimeout.compareTo(heartbeat) <= 0) {
            throw new IllegalArgumentException("the peer timeout must be longer than the heartbeat interval");
        }
    }

    public static TunnelSettings defaults() {
        return new TunnelSettings(DEFAULT_HEARTBEAT, DEFAULT_PEER_TIMEOUT);
    }
}
