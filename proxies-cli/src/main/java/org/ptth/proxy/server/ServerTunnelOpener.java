package org.ptth.proxy.server;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

import org.apache.hc.core5.util.Timeout;
import org.ptth.protocol.Endpoints;
import org.ptth.protocol.Names;
import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.RelayProblem;
import org.ptth.proxy.relayclient.RelayResponse;
import org.ptth.proxy.relayclient.StreamedResponse;
import org.ptth.proxy.tunnel.ClassicTransport;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.OpeningReport;
import org.ptth.proxy.tunnel.ClassicTunnel;
import org.ptth.proxy.tunnel.TunnelCall;
import org.ptth.proxy.tunnel.TunnelEndpoints;
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
    private final ClassicTransport transport;
    private final LiveTunnels live;

    ServerTunnelOpener(final RelayClient relay, final String server, final TunnelSettings settings,
                       final Executor pool, final LiveTunnels live) {
        this.live = live;
        this.relay = relay;
        this.server = server;
        this.transport = ClassicTransport.of(relay, server, settings, pool);
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
        final ClassicTunnel tunnel = new ClassicTunnel(id, server + "/" + exposure.name() + " to " + exposure.target(),
                target, ClassicTunnel.Side.SERVER);
        final TunnelCall accept = transport.call(tunnel, TunnelEndpoints.accept(id));
        final StreamedResponse answer = accept.send(new OpeningReport() {
            @Override
            public void unanswered(final Exception failure) {
                // not the relay's fault: the target went away while the call was on its way, as the tunnel's line says
                if (!tunnel.endedByLocalPeer()) {
                    LOG.warning(() -> "connection " + shortId + " to " + exposure.name() + " lost: accept failed: "
                            + RelayProblem.describe(failure));
                }
            }

            @Override
            public void rejected(final String error) {
                LOG.warning(() -> "connection " + shortId + " to " + exposure.name() + " lost: accept rejected: " + error);
            }
        });
        if (answer == null) {
            return;
        }
        live.add(tunnel);
        org.ptth.proxy.metrics.ProxyMetrics.instance().opened(start);
        accept.run(answer);
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
