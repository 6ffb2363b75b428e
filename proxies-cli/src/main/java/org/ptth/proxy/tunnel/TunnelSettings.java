package org.ptth.proxy.tunnel;

import java.time.Duration;

/**
 * Timing and upload form shared by both terminators.
 *
 * @param heartbeat   silence on an outgoing direction after which a HEARTBEAT frame goes out
 * @param peerTimeout silence on an incoming body after which the peer counts as gone
 * @param upload      one streamed POST per outgoing direction, or a sequence of finite ones
 * @param transport   four exchanges per tunnel, or two duplex ones; duplex streams its uploads
 */
public record TunnelSettings(Duration heartbeat, Duration peerTimeout, UploadMode upload, Transport transport) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_PEER_TIMEOUT = Duration.ofSeconds(45);

    public TunnelSettings {
        if (heartbeat.isZero() || heartbeat.isNegative()) {
            throw new IllegalArgumentException("the heartbeat interval must be positive");
        }
        if (peerTimeout.compareTo(heartbeat) <= 0) {
            throw new IllegalArgumentException("the peer timeout must be longer than the heartbeat interval");
        }
        if (transport == Transport.DUPLEX && upload == UploadMode.SEGMENTS) {
            throw new IllegalArgumentException("duplex transport streams its uploads: it cannot send segments");
        }
    }

    /** Four exchanges per tunnel. */
    public TunnelSettings(final Duration heartbeat, final Duration peerTimeout, final UploadMode upload) {
        this(heartbeat, peerTimeout, upload, Transport.FOUR_STREAM);
    }

    /** Streamed uploads. */
    public TunnelSettings(final Duration heartbeat, final Duration peerTimeout) {
        this(heartbeat, peerTimeout, UploadMode.STREAM);
    }

    public static TunnelSettings defaults() {
        return new TunnelSettings(DEFAULT_HEARTBEAT, DEFAULT_PEER_TIMEOUT);
    }

    public TunnelSettings withUpload(final UploadMode mode) {
        return new TunnelSettings(heartbeat, peerTimeout, mode, transport);
    }

    public TunnelSettings withTransport(final Transport chosen) {
        return new TunnelSettings(heartbeat, peerTimeout, upload, chosen);
    }
}
