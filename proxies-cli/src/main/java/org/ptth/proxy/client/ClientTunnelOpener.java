package org.ptth.proxy.client;

import org.apache.hc.core5.util.Timeout;
import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

import org.ptth.protocol.Endpoints;
import org.ptth.protocol.Headers;
import org.ptth.protocol.Names;
import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.relay.DuplexCall;
import org.ptth.proxy.relay.Exchange;
import org.ptth.proxy.relay.RelayCall;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.relay.RelayProblem;
import org.ptth.proxy.relay.StreamedResponse;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.Tunnel;
import org.ptth.proxy.tunnel.TunnelPumps;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * Opens one tunnel for an accepted TCP connection: connect, then upstream (or, in duplex mode, the
 * upstream as connect's own request body), then pump until it ends.
 */
final class ClientTunnelOpener {

    private static final Logger LOG = Logger.getLogger(ClientTunnelOpener.class.getName());

    private final RelayClient relay;
    private final String server;
    private final String port;
    private final TunnelSettings settings;
    private final Executor pool;
    private final LiveTunnels live;

    ClientTunnelOpener(final RelayClient relay, final String server, final String port,
                       final TunnelSettings settings, final Executor pool, final LiveTunnels live) {
        this.live = live;
        this.relay = relay;
        this.server = server;
        this.port = port;
        this.settings = settings;
        this.pool = pool;
    }

    void open(final Socket connection) {
        final String from = String.valueOf(connection.getRemoteSocketAddress());
        try {
            TcpOptions.apply(connection);
        } catch (final IOException gone) {
            TcpOptions.reset(connection);
            return;
        }
        // the connect response is the downstream: it stays silent only as long as the peer may
        final String label = server + "/" + port + " from " + from;
        final long start = System.nanoTime();
        final Tunnel tunnel = new Tunnel(null, label, connection, Tunnel.Side.CLIENT);
        final Exchange connect;
        final StreamedResponse response;
        try {
            if (settings.transport() == Transport.DUPLEX) {
                final DuplexCall duplex = TunnelPumps.duplexCall(tunnel, relay, server, Endpoints.CONNECT, port, Endpoints.UPSTREAM,
                        settings, pool);
                connect = duplex;
                response = duplex.execute();
            } else {
                final RelayCall call = relay.post(server, Endpoints.CONNECT, port, null, Timeout.of(settings.peerTimeout()));
                call.withHeader(Headers.CREDIT, Headers.ON);
                connect = call;
                response = call.execute();
            }
        } catch (final IOException | RuntimeException unreachable) {
            // not the relay's fault: the TCP client went away while the call was on its way, as the tunnel's line says
            if (!tunnel.endedByLocalPeer()) {
                LOG.warning(() -> "connection from " + from + " to " + server + "/" + port
                        + " failed: relay " + relay.address() + " unreachable: " + RelayProblem.describe(unreachable));
            }
            tunnel.discard();
            TcpOptions.reset(connection);
            org.ptth.proxy.metrics.ProxyMetrics.instance().relay(false);
            return;
        }
        org.ptth.proxy.metrics.ProxyMetrics.instance().relay(true);
        if (response.status() != 200) {
            org.ptth.proxy.metrics.ProxyMetrics.instance().refused();
            final String error = response.errorLine();
            tunnel.discard();
            response.close();
            LOG.warning(() -> "connection from " + from + " to " + server + "/" + port + " refused: " + error);
            TcpOptions.reset(connection);
            return;
        }
        final String id = response.header(Headers.CONNECTION_ID);
        if (!Names.isConnectionId(id)) {
            final String what = response.isRelayAnswer() ? "the relay sent no valid " + Headers.CONNECTION_ID + " header"
                    : "the relay URL answered " + response.errorLine();
            tunnel.discard();
            response.close();
            LOG.warning(() -> "connection from " + from + " to " + server + "/" + port + " failed: " + what);
            TcpOptions.reset(connection);
            return;
        }
        tunnel.identify(id);
        live.add(tunnel);
        org.ptth.proxy.metrics.ProxyMetrics.instance().opened(start);
        if (connect instanceof DuplexCall) {
            TunnelPumps.runDuplex(tunnel, (DuplexCall) connect, response, settings, pool);
        } else {
            TunnelPumps.run(tunnel, relay, server, connect, response, Endpoints.UPSTREAM, settings, pool);
        }
    }
}
