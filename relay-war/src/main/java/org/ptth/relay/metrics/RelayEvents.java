package org.ptth.relay.metrics;

/**
 * What the transports tell the metrics, at the few places where something happens to a tunnel or a
 * connection: never per message. A tunnel's bytes are read from its own counters when the metrics
 * look (every few seconds) and when it closes.
 */
public interface RelayEvents {
    /**
     * A tunnel opened (both proxies reached). Returns what the tunnel hands back when it closes.
     *
     * @param transport  the client proxy's transport: four-stream, duplex or mux
     * @param startNanos when the client's connect or OPEN arrived (System.nanoTime)
     */
    TunnelMeter opened(String client, String clientAddress, String server, String port, String transport,
                       long startNanos, ByteCounts bytes);

    /** An open tunnel ended, for this reason (the one its audit line gives); null meter: nothing to do. */
    void closed(TunnelMeter meter, String why);

    /**
     * A tunnel that never opened.
     *
     * @param status what the client was answered (0 when it went away itself)
     */
    void refused(String client, String clientAddress, String server, String port, String transport, int status,
                 String why);

    void limitReached(Limit limit);

    /** A mux connection was accepted (those open now are read from the router). */
    void muxConnectionOpened(boolean server);

    /** Nothing counted: the registry and the router outside a relay (tests). */
    RelayEvents NONE = new RelayEvents() {
        @Override
        public TunnelMeter opened(final String client, final String clientAddress, final String server,
                                  final String port, final String transport, final long startNanos,
                                  final ByteCounts bytes) {
            return null;
        }

        @Override
        public void closed(final TunnelMeter meter, final String why) {
        }

        @Override
        public void refused(final String client, final String clientAddress, final String server, final String port,
                            final String transport, final int status, final String why) {
        }

        @Override
        public void limitReached(final Limit limit) {
        }

        @Override
        public void muxConnectionOpened(final boolean server) {
        }
    };
}
