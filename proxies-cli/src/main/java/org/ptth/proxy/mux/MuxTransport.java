package org.ptth.proxy.mux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import javax.net.ssl.SSLContext;

import org.ptth.proxy.client.ClientTerminator;
import org.ptth.proxy.relayclient.HttpProxySetting;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.server.Exposure;
import org.ptth.proxy.server.ServerTerminator;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.TunnelThreads;

/**
 * The mux transport of one proxy, as the commands use it (docs/protocol.md, "The multiplexed
 * transport"): its connection to the relay, the thread that serves every tunnel's socket, and the
 * client's or server's part. Its threads are a fixed few, whatever the number of tunnels: the
 * channel loop, a timer, and the JDK WebSocket client's own.
 */
public final class MuxTransport implements AutoCloseable {

    private final LinkKeeper keeper;
    private final MuxServer server;

    private MuxTransport(final LinkKeeper keeper, final MuxServer server) {
        this.keeper = keeper;
        this.server = server;
    }

    /**
     * What both commands need to reach the relay.
     *
     * @param renewAfter the age at which the connection is replaced by a new one (make-before-break), so
     *                   that a proxy behind a load balancer follows its current mapping; zero for never
     */
    public record Relay(RelayAddress address, String key, SSLContext tls, HttpProxySetting proxy, Duration renewAfter) {

        /**
         * The proxies' default: renew a connection once it is 20 s old (15 to 20 s with the jitter),
         * so that behind a load balancer the proxies follow a relay's return within 30 s
         * (docs/scale-out.md), for one WebSocket handshake per proxy per period.
         */
        public static final Duration DEFAULT_RENEW_AFTER = Duration.ofSeconds(20);

        public Relay {
            if (renewAfter.isNegative()) {
                throw new IllegalArgumentException("the renewal age cannot be negative");
            }
        }

        /** A connection that is never renewed. */
        public Relay(final RelayAddress address, final String key, final SSLContext tls, final HttpProxySetting proxy) {
            this(address, key, tls, proxy, Duration.ZERO);
        }
    }

    /**
     * The client proxy's mux transport: accepted connections of {@code terminator} go to
     * {@code server}/{@code port} through it, or, in auto mode after falling back, to the terminator's
     * four-stream opener.
     */
    public static MuxTransport client(final Relay relay, final TunnelSettings settings, final String server,
                                      final String port, final ClientTerminator terminator) {
        final ScheduledExecutorService timer = timer();
        final MuxClient side = new MuxClient(server, port, terminator.live(), timer,
                settings.transport() == Transport.AUTO ? terminator::openWithoutRoute : null);
        terminator.route(side);
        return new MuxTransport(keeper(relay, server, settings, timer, side, "client"), null);
    }

    /**
     * The server proxy's mux transport for its exposures; in auto mode after falling back it
     * starts {@code terminator}'s listen polls.
     */
    public static MuxTransport server(final Relay relay, final TunnelSettings settings, final String name,
                                      final List<Exposure> exposures, final ServerTerminator terminator) {
        final ScheduledExecutorService timer = timer();
        final MuxServer side = new MuxServer(name, exposures, terminator.live(), terminator::start);
        return new MuxTransport(keeper(relay, name, settings, timer, side, "server"), side);
    }

    /** The server proxy's side (null in a client proxy), for the tests of this package. */
    MuxServer serverSide() {
        return server;
    }

    /** Connects, and keeps connecting. */
    public void start() {
        keeper.start();
    }

    /** The server's exposed ports changed (a reload): LISTEN names the new set. */
    public void update(final List<Exposure> exposures) {
        if (server != null) {
            server.update(exposures);
        }
    }

    /** Stopping: GOAWAY to the relay, no new tunnels; open ones go on until {@link #close()}. */
    public void stop(final String reason) {
        keeper.stop(reason);
    }

    /** Ends every tunnel and connection, and the threads of this transport. */
    @Override
    public void close() {
        keeper.close();
        if (server != null) {
            server.close();
        }
    }

    private static LinkKeeper keeper(final Relay relay, final String server, final TunnelSettings settings,
                                     final ScheduledExecutorService timer, final LinkKeeper.Side side,
                                     final String role) {
        final ChannelLoop loop;
        try {
            loop = new ChannelLoop("ptth-mux-loop");
        } catch (final IOException failed) {
            timer.shutdownNow();
            throw new UncheckedIOException("cannot open a selector: " + failed.getMessage(), failed);
        }
        final LinkDialer dialer = new LinkDialer(relay.address(), server, relay.key(), relay.tls(), relay.proxy());
        return new LinkKeeper(dialer, loop, timer, side, settings, role, relay.renewAfter());
    }

    private static ScheduledExecutorService timer() {
        return Executors.newSingleThreadScheduledExecutor(TunnelThreads.named("ptth-mux-timer-"));
    }
}
