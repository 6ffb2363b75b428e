package org.ptth.proxy.server;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

import org.apache.hc.core5.util.Timeout;
import org.ptth.protocol.Endpoints;
import org.ptth.protocol.Headers;
import org.ptth.protocol.Names;
import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.relay.DuplexCall;
import org.ptth.proxy.relay.Exchange;
import org.ptth.proxy.relay.RelayCall;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.relay.RelayProblem;
import org.ptth.proxy.relay.RelayResponse;
import org.ptth.proxy.relay.StreamedResponse;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.Tunnel;
import org.ptth.proxy.tunnel.TunnelPumps;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * Opens the server end of one tunnel: connects to the exposure's own target (never to anything the
 * relay names), then accepts or refuses the connection ID, then pumps until the tunnel ends.
 */
final class ServerTunnelOpener {

    static final int TARGET_CONNECT_MILLIS = 5_000;
    /** The relay's refuse takes at most 200 bytes of reason. */
    private static final int MAX_REFUSE_BYTES = 200;
    private static final Timeout REFUSE_TIMEOUT = Timeout.ofSeconds(30);

    private static final Logger LOG = Logger.getLogger(ServerTunnelOpener.class.getName());

    private final RelayClient relay;
    private final String server;
    private final TunnelSettings settings;
    private final Executor pool;
    private final LiveTunnels live;

    ServerTunnelOpener(final RelayClient relay, final String server, final TunnelSettings settings,
                       final Executor pool, final LiveTunnels live) {
        this.live = live;
        this.relay = relay;
        this.server = server;
        this.settings = settings;
        this.pool = pool;
    }

    void open(final Exposure exposure, final String id) {
        final String shortId = Names.shortId(id);
        final long start = System.nanoTime();
        final Socket target = new Socket();
        try {
            TcpOptions.apply(target);
            target.connect(exposure.target().toAddress(), TARGET_CONNECT_MILLIS);
        } catch (final IOException | IllegalArgumentException unreachable) {
            TcpOptions.reset(target);
            final String reason = "cannot connect to " + exposure.name() + ": " + unreachable.getMessage();
            LOG.warning(() -> "connection " + shortId + " refused: " + exposure.target() + ": " + reason);
            refuse(id, reason);
            org.ptth.proxy.metrics.ProxyMetrics.instance().refused();
            return;
        }
        final Tunnel tunnel = new Tunnel(id, server + "/" + exposure.name() + " to " + exposure.target(),
                target, Tunnel.Side.SERVER);
        final Exchange accept;
        final StreamedResponse response;
        try {
            if (settings.transport() == Transport.DUPLEX) {
                final DuplexCall duplex = TunnelPumps.duplexCall(tunnel, relay, server, Endpoints.ACCEPT, id, Endpoints.DOWNSTREAM,
                        settings, pool);
                accept = duplex;
                response = duplex.execute();
            } else {
                final RelayCall call = relay.post(server, Endpoints.ACCEPT, id, null, Timeout.of(settings.peerTimeout()));
                call.withHeader(Headers.CREDIT, Headers.ON);
                accept = call;
                response = call.execute();
            }
        } catch (final IOException | RuntimeException failed) {
            // not the relay's fault: the target went away while the call was on its way, as the tunnel's line says
            if (!tunnel.endedByLocalPeer()) {
                LOG.warning(() -> "connection " + shortId + " to " + exposure.name() + " lost: accept failed: "
                        + RelayProblem.describe(failed));
            }
            tunnel.discard();
            TcpOptions.reset(target);
            return;
        }
        if (response.status() != 200) {
            final String error = response.errorLine();
            tunnel.discard();
            response.close();
            LOG.warning(() -> "connection " + shortId + " to " + exposure.name() + " lost: accept rejected: " + error);
            TcpOptions.reset(target);
            return;
        }
        live.add(tunnel);
        org.ptth.proxy.metrics.ProxyMetrics.instance().opened(start);
        if (accept instanceof DuplexCall) {
            TunnelPumps.runDuplex(tunnel, (DuplexCall) accept, response, settings, pool);
        } else {
            TunnelPumps.run(tunnel, relay, server, accept, response, Endpoints.DOWNSTREAM, settings, pool);
        }
    }

    private void refuse(final String id, final String reason) {
        final byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        String text = reason;
        if (bytes.length > MAX_REFUSE_BYTES) {
            // cut on a character boundary: decoding a cut sequence drops its partial character
            text = new String(bytes, 0, MAX_REFUSE_BYTES, StandardCharsets.UTF_8).replace("\uFFFD", "");
        }
        try (RelayResponse response = relay.postText(server, Endpoints.REFUSE, id, text, REFUSE_TIMEOUT).execute()) {
            if (response.status() / 100 != 2) {
                LOG.warning(() -> "refuse of connection " + Names.shortId(id) + " rejected: "
                        + response.errorLine());
            }
        } catch (final IOException failed) {
            LOG.warning(() -> "refuse of connection " + Names.shortId(id) + " failed: "
                    + RelayProblem.describe(failed));
        }
    }
}
