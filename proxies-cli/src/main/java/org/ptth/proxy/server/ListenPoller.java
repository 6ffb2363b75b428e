package org.ptth.proxy.server;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

import org.apache.hc.core5.util.Timeout;
import org.ptth.protocol.Endpoints;
import org.ptth.protocol.Headers;
import org.ptth.protocol.Names;
import org.ptth.proxy.relayclient.RelayCall;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.RelayProblem;
import org.ptth.proxy.relayclient.RelayResponse;

/**
 * One long-poll loop on {@code listen/{port}}. The thread that receives a connection ID opens that
 * tunnel, and the loop goes on at once on a pool thread, back at the relay while the tunnel is
 * still being set up.
 */
final class ListenPoller implements Runnable {

    /** The relay holds a poll 30 s by default; the margin covers a slower relay config and the network. */
    static final Timeout LISTEN_RESPONSE_TIMEOUT = Timeout.ofSeconds(90);

    private static final Logger LOG = Logger.getLogger(ListenPoller.class.getName());
    /** A poll answered 204 sooner than this was not held by a relay: back off before the next. */
    static final long MIN_HELD_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final RelayClient relay;
    private final String server;
    private final Exposure exposure;
    private final ServerTunnelOpener opener;
    private final Executor pool;
    private final RelayHealth health;
    private final Backoff backoff = new Backoff();
    private final LongSupplier clock;
    private volatile boolean stopped;
    private volatile RelayCall parked;
    /** The thread running the poll loop now; the loop moves to another thread with each connection. */
    private volatile Thread thread;

    ListenPoller(final RelayClient relay, final String server, final Exposure exposure,
                 final ServerTunnelOpener opener, final Executor pool, final RelayHealth health) {
        this(relay, server, exposure, opener, pool, health, System::nanoTime);
    }

    /** @param clock {@link System#nanoTime()}, or a test's own */
    ListenPoller(final RelayClient relay, final String server, final Exposure exposure,
                 final ServerTunnelOpener opener, final Executor pool, final RelayHealth health,
                 final LongSupplier clock) {
        this.clock = clock;
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
        final Thread polling = thread;
        if (polling != null) {
            polling.interrupt(); // ends a backoff sleep
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        String id = null;
        while (!stopped && id == null) {
            final PollResult result = pollOnce();
            if (result.offered()) {
                id = result.connectionId();
            } else if (result.waitMillis() > 0) {
                try {
                    Thread.sleep(result.waitMillis());
                } catch (final InterruptedException stopping) {
                    break;
                }
            }
        }
        thread = null;
        Thread.interrupted(); // a stop that came late is for the poll loop, not for the tunnel
        if (id != null) {
            handOver(id);
        }
    }

    /** One listen call: the connection ID it brought, or how long to wait before the next. */
    PollResult pollOnce() {
        final RelayCall call = relay.post(server, Endpoints.LISTEN, exposure.name(), null, LISTEN_RESPONSE_TIMEOUT);
        final long startNanos = clock.getAsLong();
        parked = call;
        if (stopped) {
            return PollResult.AT_ONCE;
        }
        final RelayResponse response;
        try {
            response = call.execute();
        } catch (final IOException | RuntimeException unreachable) {
            if (stopped) {
                return PollResult.AT_ONCE;
            }
            health.unreachable(relay.address() + ": " + RelayProblem.describe(unreachable));
            return PollResult.after(backoff.nextDelayMillis(0));
        } finally {
            parked = null;
        }
        final int status = response.status();
        if (status == 200) {
            final String id = response.header(Headers.CONNECTION_ID);
            final boolean relaySpeaking = response.isRelayAnswer() && Names.isConnectionId(id);
            if (!relaySpeaking) {
                // A catch-all web server or a captive portal in the relay's place: not an offer.
                final String what = response.errorLine();
                response.close();
                health.unreachable("no relay at " + relay.address() + " (listen answered " + what
                        + " without a valid " + Headers.CONNECTION_ID + ")");
                return PollResult.after(backoff.nextDelayMillis(0));
            }
            response.closeGracefully();
            health.reachable();
            backoff.reset();
            return PollResult.offer(id);
        }
        if (status == 204) {
            response.closeGracefully();
            health.reachable();
            if (clock.getAsLong() - startNanos < MIN_HELD_NANOS) {
                // The relay holds a poll for its listen timeout: a 204 at once is something else
                // answering, or a relay set to hold polls for next to nothing. Either way, not a loop.
                return PollResult.after(backoff.nextDelayMillis(0));
            }
            backoff.reset();
            return PollResult.AT_ONCE;
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
        return PollResult.after(backoff.nextDelayMillis(retryAfter));
    }

    /**
     * This thread opens the tunnel itself, and the poll loop goes on on a pool thread: the new
     * connection never waits for a thread to wake up, the next poll does (it has time).
     */
    private void handOver(final String id) {
        if (!stopped) {
            try {
                pool.execute(this);
            } catch (final RuntimeException rejected) {
                LOG.warning(() -> "listen/" + exposure.name() + " stopped: no thread: " + rejected.getMessage());
            }
        }
        opener.open(exposure, id);
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
