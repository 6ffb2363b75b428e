package org.ptth.proxy.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;

import org.ptth.proxy.client.ClientTerminator;
import org.ptth.proxy.key.KeyFile;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.server.Exposure;
import org.ptth.proxy.server.ServerTerminator;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.TunnelThreads;

/**
 * A fake relay, a target exposed as {@code echo} by a server terminator, and client terminators on
 * demand, all on 127.0.0.1 port 0; every log line of the org.ptth loggers is kept. The target echoes
 * on its own, or ({@link #holdingTarget}) hands each connection to the test, beside a port
 * {@code down} whose target refuses connections.
 */
final class Rig implements AutoCloseable {

    static final int WAIT_SECONDS = 30;
    private static final String TUNNEL_LOG = "org.ptth.proxy.tunnel.ClassicTunnel";

    final String serverKey = KeyFile.generateKey();
    final String clientKey = KeyFile.generateKey();
    final FakeRelay relay;
    final ExecutorService pool = TunnelThreads.newPool();
    final BlockingQueue<String> log = new LinkedBlockingQueue<>();
    final ServerTerminator server;
    private final ServerSocket target;
    private final BlockingQueue<Socket> targetConnections = new LinkedBlockingQueue<>();
    /** The tunnels' " closed: " lines (both terminators), in order. */
    private final BlockingQueue<String> closedLines = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    /** Both terminators' open tunnels, ended in {@link #close()}. */
    private final List<LiveTunnels> tunnels = new ArrayList<>();
    private final Logger ptth = Logger.getLogger("org.ptth");
    private final Handler capture = new Handler() {
        @Override
        public void publish(final LogRecord record) {
            log.add(record.getMessage());
            if (TUNNEL_LOG.equals(record.getLoggerName()) && record.getMessage().contains(" closed: ")) {
                closedLines.add(record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /**
     * @param tls         the relay's HTTPS context, or null for HTTP
     * @param serverSide  settings of the server terminator
     * @param clientFor   makes the RelayClient for a key: lets a test choose trust and proxy
     */
    Rig(final SSLContext tls, final TunnelSettings serverSide,
        final BiFunction<RelayAddress, String, RelayClient> clientFor) throws IOException {
        this(tls, serverSide, clientFor, true);
    }

    /**
     * A rig whose target hands each connection to the test ({@link #nextTargetConnection}), with a
     * second port {@code down} whose target refuses connections.
     */
    static Rig holdingTarget(final TunnelSettings serverSide) throws IOException {
        return new Rig(null, serverSide, RelayClient::new, false);
    }

    private Rig(final SSLContext tls, final TunnelSettings serverSide,
                final BiFunction<RelayAddress, String, RelayClient> clientFor, final boolean echo) throws IOException {
        ptth.addHandler(capture);
        ptth.setLevel(Level.INFO);
        relay = new FakeRelay(serverKey, clientKey, tls);
        target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<Exposure> exposures = new ArrayList<>();
        exposures.add(new Exposure("echo", new HostPort("127.0.0.1", target.getLocalPort())));
        if (echo) {
            pool.execute(this::echoForever);
        } else {
            pool.execute(this::holdForever);
            final int closedPort;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closedPort = probe.getLocalPort(); // free once closed: connecting there is refused
            }
            exposures.add(new Exposure("down", new HostPort("127.0.0.1", closedPort)));
        }
        final RelayClient serverRelay = clientFor.apply(RelayAddress.parse(relay.baseUrl()), serverKey);
        server = new ServerTerminator(serverRelay, "office", exposures, 2, serverSide, pool);
        toClose.add(server);
        toClose.add(serverRelay);
        tunnels.add(server.live());
        server.start();
    }

    /** A client terminator for {@code port} with a plain relay client; returns its local address. */
    InetSocketAddress clientFor(final String port, final TunnelSettings settings) throws IOException {
        client(port, settings, plainClient());
        return address(listeners.size() - 1);
    }

    /** A client terminator for port {@code echo}; returns it, its address via {@link #address}. */
    ClientTerminator client(final TunnelSettings settings, final RelayClient clientRelay) throws IOException {
        return client("echo", settings, clientRelay);
    }

    private ClientTerminator client(final String port, final TunnelSettings settings, final RelayClient clientRelay)
            throws IOException {
        final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final ClientTerminator client = new ClientTerminator(listener, clientRelay, "office", port, settings, pool);
        toClose.add(0, clientRelay);
        toClose.add(0, client);
        tunnels.add(client.live());
        pool.execute(() -> {
            try {
                client.serve();
            } catch (final IOException ignored) {
                // closed by the test
            }
        });
        listeners.add(listener);
        return client;
    }

    private final List<ServerSocket> listeners = new ArrayList<>();

    /** The local address of the n-th client terminator made. */
    InetSocketAddress address(final int index) {
        return (InetSocketAddress) listeners.get(index).getLocalSocketAddress();
    }

    RelayClient plainClient() {
        return new RelayClient(RelayAddress.parse(relay.baseUrl()), clientKey);
    }

    /** The next log line that contains {@code text}, waiting for it. */
    String nextLine(final String text) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            final String line = log.poll(1, TimeUnit.SECONDS);
            if (line != null && line.contains(text)) {
                return line;
            }
        }
        throw new AssertionError("no log line with '" + text + "'");
    }

    /** A socket to {@code address} whose reads time out after {@link #WAIT_SECONDS}, not never. */
    static Socket connect(final InetSocketAddress address) throws IOException {
        final Socket socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(WAIT_SECONDS * 1000);
        return socket;
    }

    /** The next connection the server terminator made to a holding target, waiting for it. */
    Socket nextTargetConnection() throws InterruptedException, IOException {
        final Socket socket = targetConnections.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        if (socket == null) {
            throw new AssertionError("the server terminator did not connect to the target");
        }
        socket.setSoTimeout(WAIT_SECONDS * 1000);
        return socket;
    }

    /** The next line of a tunnel that closed, at either terminator, waiting for it. */
    String nextClosedLine() throws InterruptedException {
        final String line = closedLines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("no tunnel closed");
        }
        return line;
    }

    /** Whether the holding target has connections the test has not taken. */
    boolean targetConnectionsWaiting() {
        return !targetConnections.isEmpty();
    }

    /** Copies what a target connection receives back to the sender, and passes its half-close on. */
    void echoOn(final Socket socket) {
        pool.execute(() -> echo(socket));
    }

    private void holdForever() {
        while (!target.isClosed()) {
            try {
                targetConnections.add(target.accept());
            } catch (final IOException closed) {
                return;
            }
        }
    }

    private void echoForever() {
        while (!target.isClosed()) {
            final Socket socket;
            try {
                socket = target.accept();
            } catch (final IOException closed) {
                return;
            }
            pool.execute(() -> echo(socket));
        }
    }

    private static void echo(final Socket socket) {
        try (socket) {
            final InputStream in = socket.getInputStream();
            final OutputStream out = socket.getOutputStream();
            in.transferTo(out);
            socket.shutdownOutput();
            in.read(); // wait for the terminator to close
        } catch (final IOException gone) {
            // the test cut it, or asserts on the other side
        }
    }

    @Override
    public void close() throws Exception {
        for (final AutoCloseable closeable : toClose) {
            closeable.close();
        }
        target.close();
        relay.close();
        // a tunnel that outlives its test ends here, so that its closing line reaches no later test's log
        for (final LiveTunnels live : tunnels) {
            live.drain(Duration.ZERO);
        }
        pool.shutdownNow();
        ptth.removeHandler(capture);
    }
}
