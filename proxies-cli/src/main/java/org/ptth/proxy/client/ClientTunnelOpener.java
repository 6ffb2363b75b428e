package org.ptth.proxy.client;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

import org.ptth.protocol.Headers;
import org.ptth.protocol.Names;
import org.ptth.proxy.metrics.ProxyMetrics;
import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.RelayProblem;
import org.ptth.proxy.relayclient.StreamedResponse;
import org.ptth.proxy.tunnel.ClassicTransport;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.OpeningReport;
import org.ptth.proxy.tunnel.ClassicTunnel;
import org.ptth.proxy.tunnel.TunnelCall;
import org.ptth.proxy.tunnel.TunnelEndpoints;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * Opens one tunnel for an accepted TCP connection: connect in the form of the chosen transport,
 * check the connection ID the relay gives, then run the tunnel until it ends.
 */
final class ClientTunnelOpener {

    private static final Logger LOG = Logger.getLogger(ClientTunnelOpener.class.getName());

    private final RelayClient relay;
    private final String server;
    private final String port;
    private final ClassicTransport transport;
    private final LiveTunnels live;

    ClientTunnelOpener(final RelayClient relay, final String server, final String port,
                       final TunnelSettings settings, final Executor pool, final LiveTunnels live) {
        this.live = live;
        this.relay = relay;
        this.server = server;
        this.port = port;
        this.transport = ClassicTransport.of(relay, server, settings, pool);
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
        final ClassicTunnel tunnel = new ClassicTunnel(null, label, connection, ClassicTunnel.Side.CLIENT);
        final TunnelCall connect = transport.call(tunnel, TunnelEndpoints.connect(port));
        final StreamedResponse answer = connect.send(new OpeningReport() {
            @Override
            public void unanswered(final Exception failure) {
                // not the relay's fault: the TCP client went away while the call was on its way, as the tunnel's line says
                if (!tunnel.endedByLocalPeer()) {
                    LOG.warning(() -> "connection from " + from + " to " + server + "/" + port
                            + " failed: relay " + relay.address() + " unreachable: " + RelayProblem.describe(failure));
                }
                ProxyMetrics.instance().relay(false);
            }

            @Override
            public void rejected(final String error) {
                ProxyMetrics.instance().relay(true);
                ProxyMetrics.instance().refused();
                LOG.warning(() -> "connection from " + from + " to " + server + "/" + port + " refused: " + error);
            }
        });
        if (answer == null) {
            return;
        }
        ProxyMetrics.instance().relay(true);
        final String id = answer.header(Headers.CONNECTION_ID);
        if (!Names.isConnectionId(id)) {
            final String what = answer.isRelayAnswer() ? "the relay sent no valid " + Headers.CONNECTION_ID + " header"
                    : "the relay URL answered " + answer.errorLine();
            LOG.warning(() -> "connection from " + from + " to " + server + "/" + port + " failed: " + what);
            connect.abandon(answer);
            return;
        }
        tunnel.identify(id);
        live.add(tunnel);
        ProxyMetrics.instance().opened(start);
        connect.run(answer);
    }
}
