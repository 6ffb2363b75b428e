package org.ptth.proxy.server;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.logging.Logger;

import org.apache.hc.core5.util.Timeout;
import org.ptth.proxy.relay.ProtocolNames;
import org.ptth.proxy.relay.RelayCall;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.relay.RelayProblem;
import org.ptth.proxy.relay.RelayResponse;

/**
 * One long-poll loop on {@code listen/{port}}. Each connection ID it receives goes to the tunnel
 * pool at once, so the loop is back at the relay while the tunnel is still being set up.
 */
final class ListenPoller implements Runnable {

    /** The relay holds a poll 30 s by default; the margin covers a slower relay config and the network. */
    static final Timeout LISTEN_RESPONSE_TIMEOUT = Timeout.ofSeconds(90);

    private static final Logger LOG = Logger.getLogger(ListenPoller.class.getName());

    private final RelayClient relay;
    private final String server;
    private final Exposure exposure;
    private final ServerTunnelOpener opener;
    private final Executor pool;
    private final RelayHealth health;
    private final Backoff backoff = new Backoff();
    private volatile boolean stopped;
    private volatile RelayCall parked;

    ListenPoller(final RelayClient relay, final String server, final Exposure exposure,
                 final ServerTunnelOpener opener, final Executor pool, final RelayHealth health) {
        this.relay = relay;
        this.server = server;
        this.exposure = exposure;
        this.opener = opener;
        this.pool = pool;
        this.health = health;
    }

    /** Stops polling: a poll parked at the relay is cut; tunnels already handed over go on. */
    void stop() {
        stopped = true;
        final RelayCall call = parked;
        if (call != null) {
            call.cancel();
        }
    }

    @Override
    public void run() {
        while (!stopped) {
            final long waitMillis = pollOnce();
            if (waitMillis > 0) {
                try {
                    Thread.sleep(waitMillis);
                } catch (final InterruptedException stopping) {
                    return;
                }
            }
        }
    }

    /** One listen call; returns how long to wait before the next (0: poll again at once). */
    private long pollOnce() {
        final RelayCall call = relay.post(server, "listen", exposure.name(), null, LISTEN_RESPONSE_TIMEOUT);
        parked = call;
        if (stopped) {
            return 0;
        }
        final RelayResponse response;
        try {
            response = call.execute();
        } catch (final IOException | RuntimeException unreachable) {
            if (stopped) {
                return 0;
            }
            health.unreachable(relay.address() + ": " + RelayProblem.describe(unreachable));
            return backoff.nextDelayMillis(0);
        } finally {
            parked = null;
        }
        final int status = response.status();
        if (status == 200 || status == 204) {
            final String id = status == 200 ? response.header("Ptth-Connection-Id") : null;
            response.closeGracefully();
            health.reachable();
            backoff.reset();
            if (status == 200) {
                handOver(id);
            }
            return 0;
        }
        final String error = response.errorLine();
        final long retryAfter = retryAfterMillis(response.header("Retry-After"));
        response.close();
        if (status >= 500 || status == 429) {
            health.unreachable(error);
        } else if (!response.isRelayAnswer()) {
            // Not the relay speaking: e.g. Tomcat's 404 page while the WAR is being redeployed.
            health.unreachable("no relay at " + relay.address() + " (" + error + ")");
        } else {
            health.rejected("listen/" + exposure.name() + ": " + error);
        }
        return backoff.nextDelayMillis(retryAfter);
    }

    private void handOver(final String id) {
        if (!ProtocolNames.isConnectionId(id)) {
            LOG.warning(() -> "listen/" + exposure.name() + ": the relay sent no valid Ptth-Connection-Id header");
            return;
        }
        try {
            pool.execute(() -> opener.open(exposure, id));
        } catch (final RuntimeException rejected) {
            LOG.warning(() -> "connection " + ProtocolNames.shortId(id) + " dropped: " + rejected.getMessage());
        }
    }

    private static long retryAfterMillis(final String header) {
        if (header == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(header.trim()) * 1000);
        } catch (final NumberFormatException httpDate) {
            return 0; // a date form: the backoff alone will do
        }
    }
}
