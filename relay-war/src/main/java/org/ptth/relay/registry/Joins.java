package org.ptth.relay.registry;

import org.ptth.relay.auth.Principal;
import org.ptth.relay.errors.RelayException;
import org.ptth.relay.pump.Exchange;

/**
 * Tunnels of the multiplexed transport that one of their proxies reaches with the classic calls:
 * a mux client's tunnel to a four-stream or duplex server (a parked listen poll takes it), or a
 * four-stream or duplex client's connect to a mux server. The registry hands such calls over here
 * and counts such tunnels against its limits; it knows nothing else of them.
 */
public interface Joins {
    /** A listen poll of this port: hand it a tunnel that waits for the port; true when the poll was taken. */
    boolean offerPoll(Principal server, String port, Exchange poll);

    /** Whether a connect to this port goes to a mux server connection. */
    boolean serves(String server, String port);

    /** A connect that {@link #serves} says goes to a mux server. */
    void connect(Principal client, String server, String port, boolean duplex,
                 TunnelRegistry.ExchangeStarter starter) throws RelayException;

    /** The calls of a joined tunnel by its connection ID; null when the ID is not a joined tunnel's. */
    Calls calls(String id);

    /** Joined tunnels live now (they count against limit.tunnels). */
    int liveTunnels();

    /** Joined tunnels of this client (they count against limit.tunnels-per-client). */
    int tunnelsOfClient(String client);

    /** The classic calls that a joined tunnel's ID takes, each checked as the registry checks its own. */
    interface Calls {
        void accept(Principal server, boolean duplex, TunnelRegistry.ExchangeStarter starter) throws RelayException;

        /** Fails early, before the reason is read, when this server cannot refuse the ID. */
        void checkRefusable(Principal server) throws RelayException;

        void refuse(Principal server, String reason) throws RelayException;

        void downstream(Principal server, Segment segment, TunnelRegistry.ExchangeStarter starter) throws RelayException;

        void upstream(Principal client, String server, Segment segment, TunnelRegistry.ExchangeStarter starter)
                throws RelayException;
    }

    /** No joins: the registry alone. */
    Joins NONE = new Joins() {
        @Override
        public boolean offerPoll(final Principal server, final String port, final Exchange poll) {
            return false;
        }

        @Override
        public boolean serves(final String server, final String port) {
            return false;
        }

        @Override
        public void connect(final Principal client, final String server, final String port, final boolean duplex,
                            final TunnelRegistry.ExchangeStarter starter) {
            throw new IllegalStateException("no mux server serves " + server + "/" + port);
        }

        @Override
        public Calls calls(final String id) {
            return null;
        }

        @Override
        public int liveTunnels() {
            return 0;
        }

        @Override
        public int tunnelsOfClient(final String client) {
            return 0;
        }
    };
}
