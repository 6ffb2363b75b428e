package org.ptth.proxy.mux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

import org.ptth.protocol.Refusal;
import org.ptth.protocol.mux.Payloads;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.net.TcpOptions;
import org.ptth.proxy.server.Exposure;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.TunnelThreads;

/**
 * The server proxy's side of the mux transport: names its exposed ports with LISTEN on every new
 * connection and after every reload, and answers each OPEN by connecting the exposure's own target
 * (never anything the relay names), non-blocking: OPENED once connected, REFUSE with the reason if
 * not. In auto mode, once the relay path turned out not to pass the mux transport, it starts the
 * four-stream listen polls instead.
 */
final class MuxServer implements LinkKeeper.Side, AutoCloseable {

    /** As long as the four-stream server waits for a target. */
    static final long TARGET_CONNECT_MILLIS = 5_000;

    /** Lookups at once; more wait their turn. */
    private static final int LOOKUP_THREADS = 4;

    private static final Logger LOG = Logger.getLogger(MuxServer.class.getName());

    private final String server;
    private final LiveTunnels live;
    private final Runnable fourStream;
    /**
     * Where a target's host name is looked up: not on the thread that delivers the link's frames
     * (the WebSocket client's selector), which a slow name server would stall for every tunnel.
     * Shut down with the transport ({@link #close()}).
     */
    private final ThreadPoolExecutor lookups = new ThreadPoolExecutor(LOOKUP_THREADS, LOOKUP_THREADS,
            30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), TunnelThreads.named("ptth-lookup-"));
    private volatile Function<HostPort, InetSocketAddress> resolver = HostPort::toAddress;
    private volatile Map<String, Exposure> exposures;
    private volatile MuxLink link;
    private boolean fourStreamStarted;

    /**
     * @param fourStream starts the four-stream listen polls (auto mode, after falling back); runs once
     */
    MuxServer(final String server, final List<Exposure> exposures, final LiveTunnels live,
              final Runnable fourStream) {
        this.server = server;
        this.live = live;
        this.fourStream = fourStream;
        this.exposures = index(exposures);
        lookups.allowCoreThreadTimeOut(true);
    }

    /** The exposed ports are these now: the connection's LISTEN names them at once. */
    void update(final List<Exposure> now) {
        exposures = index(now);
        final MuxLink up = link;
        if (up != null && !up.isOver() && !up.isDraining()) {
            up.batch().listen(new ArrayList<>(exposures.keySet()));
            up.batch().flush();
        }
    }

    @Override
    public void linkUp(final MuxLink up) {
        link = up;
        up.batch().listen(new ArrayList<>(exposures.keySet()));
        up.batch().flush();
    }

    @Override
    public void fallBack() {
        synchronized (this) {
            if (fourStreamStarted) {
                return;
            }
            fourStreamStarted = true;
        }
        fourStream.run();
    }

    @Override
    public void linkDown(final String problem) {
        // the keeper logs it and tries again; there is nothing to serve meanwhile
    }

    @Override
    public void openRequested(final MuxLink on, final int number, final Payloads.Open open) {
        final String id = on.tunnelId(number);
        if (on.isDraining() && !on.isReplaced()) {
            on.batch().refuse(number, Refusal.SERVER_PROXY_STOPPING.status(), Refusal.SERVER_PROXY_STOPPING.reason());
            return;
        }
        final Exposure exposure = exposures.get(open.port());
        if (exposure == null) {
            LOG.warning(() -> "connection " + id + " to " + server + "/" + open.port() + " refused: not exposed");
            on.batch().refuse(number, Refusal.NOT_ONLINE.status(), "port " + open.port() + " is not exposed by this server");
            return;
        }
        final String label = server + "/" + exposure.name() + " to " + exposure.target()
                + (open.label().isEmpty() ? "" : " for " + open.label());
        final SocketChannel channel;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            TcpOptions.apply(channel.socket());
        } catch (final IOException failed) {
            on.batch().refuse(number, Refusal.SERVER_PROXY_NO_SOCKET.status(),
                    Refusal.SERVER_PROXY_NO_SOCKET.reason(failed.getMessage()));
            return;
        }
        final MuxTunnel tunnel = new MuxTunnel(on, number, channel, MuxTunnel.Side.SERVER, label,
                "to " + server + "/" + exposure.name() + " (" + exposure.target() + ")");
        tunnel.exposedAs(exposure.name());
        if (!tunnel.receivedWithOpen(open.firstBytes())) {
            close(channel);
            on.batch().abort(number, "OPEN carried more than the initial window");
            return;
        }
        if (!on.add(tunnel)) {
            close(channel);
            return;
        }
        live.add(tunnel);
        final HostPort target = exposure.target();
        if (target.resolvesLocally()) {
            connect(on, tunnel, channel, target.toAddress());
        } else {
            try {
                lookups.execute(() -> {
                    connect(on, tunnel, channel, resolver.apply(target));
                    on.batch().flush(); // an OPENED of this thread: no received message's end sends it
                });
            } catch (final RejectedExecutionException closed) {
                tunnel.refuseTarget("the server proxy stopped");
            }
        }
    }

    /** The transport is closed: lookups in progress are interrupted, and no new one starts. */
    @Override
    public void close() {
        lookups.shutdownNow();
    }

    /** Whether {@link #close()} has shut the lookups down (tests). */
    boolean lookupsShutDown() {
        return lookups.isShutdown();
    }

    /** Starts the non-blocking connect to the target; the channel loop takes it from there, or watches the connected socket. */
    private void connect(final MuxLink on, final MuxTunnel tunnel, final SocketChannel channel,
                         final InetSocketAddress target) {
        if (target.isUnresolved()) {
            on.loop().execute(() -> tunnel.refuseTarget("unknown host " + target.getHostString()));
            return;
        }
        final boolean connected;
        try {
            channel.connect(target);
            // A target next door (loopback, the LAN) has mostly answered by now: then OPENED and the
            // first bytes leave from this thread, without waiting for the loop to wake up.
            connected = channel.finishConnect();
        } catch (final IOException | RuntimeException failed) {
            on.loop().execute(() -> tunnel.refuseTarget(String.valueOf(failed.getMessage())));
            return;
        }
        if (connected) {
            tunnel.connected();
            on.loop().execute(() -> tunnel.register(false));
            return;
        }
        on.loop().execute(() -> {
            tunnel.register(true);
            tunnel.connectable();
            tunnel.connectWithin(TARGET_CONNECT_MILLIS);
        });
    }

    /** Looks names up with {@code lookup} instead of the system's resolver (tests). */
    void resolveWith(final Function<HostPort, InetSocketAddress> lookup) {
        resolver = lookup;
    }

    private static void close(final SocketChannel channel) {
        try {
            channel.close();
        } catch (final IOException ignored) {
            // nothing to do
        }
    }

    private static Map<String, Exposure> index(final List<Exposure> list) {
        final Map<String, Exposure> byName = new LinkedHashMap<>();
        list.forEach(exposure -> byName.put(exposure.name(), exposure));
        return byName;
    }
}
