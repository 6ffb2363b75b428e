package org.ptth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.proxy.client.ClientTerminator;
import org.ptth.proxy.key.KeyFile;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.relay.RelayAddress;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.server.Exposure;
import org.ptth.proxy.server.ServerTerminator;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.TunnelThreads;

/**
 * Both terminators against a fake relay: TCP client -> client terminator -> relay -> server
 * terminator -> TCP target, all on 127.0.0.1 port 0. The timeouts here only stop hangs.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TerminatorTest {

    private static final int WAIT_SECONDS = 30;
    private static final TunnelSettings SETTINGS = new TunnelSettings(Duration.ofSeconds(1), Duration.ofSeconds(45));

    private final Logger tunnelLog = Logger.getLogger("org.ptth.proxy.tunnel.Tunnel");
    private final BlockingQueue<String> closedLines = new LinkedBlockingQueue<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(final LogRecord record) {
            final String message = record.getMessage();
            if (message.contains(" closed: ")) {
                closedLines.add(message);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService pool = TunnelThreads.newPool();
    private FakeRelay relay;
    private ServerSocket target;
    private final BlockingQueue<Socket> targetConnections = new LinkedBlockingQueue<>();
    private int closedPort;

    @BeforeEach
    void start() throws Exception {
        tunnelLog.addHandler(capture);
        tunnelLog.setLevel(Level.INFO);
        final String serverKey = KeyFile.generateKey();
        final String clientKey = KeyFile.generateKey();
        relay = new FakeRelay(serverKey, clientKey);
        toClose.add(relay);

        target = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        toClose.add(target);
        pool.execute(() -> {
            while (!target.isClosed()) {
                try {
                    targetConnections.add(target.accept());
                } catch (final IOException closed) {
                    return;
                }
            }
        });
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort(); // free once closed: connecting there is refused
        }

        final RelayClient serverRelay = new RelayClient(RelayAddress.parse(relay.baseUrl()), serverKey);
        toClose.add(serverRelay);
        final ServerTerminator server = new ServerTerminator(serverRelay, "office", List.of(
                new Exposure("echo", new HostPort("127.0.0.1", target.getLocalPort())),
                new Exposure("down", new HostPort("127.0.0.1", closedPort))), 2, SETTINGS, pool);
        toClose.add(0, server);
        server.start();
        this.clientKey = clientKey;
    }

    private String clientKey;

    /** Starts a client terminator for one port and returns its local address. */
    private InetSocketAddress clientFor(final String port) throws IOException {
        final ServerSocket listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        final RelayClient clientRelay = new RelayClient(RelayAddress.parse(relay.baseUrl()), clientKey);
        final ClientTerminator client = new ClientTerminator(listener, clientRelay, "office", port, SETTINGS, pool);
        toClose.add(0, clientRelay);
        toClose.add(0, client);
        pool.execute(() -> {
            try {
                client.serve();
            } catch (final IOException stopped) {
                // the test is over
            }
        });
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    @AfterEach
    void stop() throws Exception {
        tunnelLog.removeHandler(capture);
        for (final AutoCloseable closeable : toClose) {
            closeable.close();
        }
        pool.shutdownNow();
    }

    private static Socket connect(final InetSocketAddress address) throws IOException {
        final Socket socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(WAIT_SECONDS * 1000);
        return socket;
    }

    private Socket nextTargetConnection() throws InterruptedException, IOException {
        final Socket socket = targetConnections.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(socket, "the server terminator connected to the target");
        socket.setSoTimeout(WAIT_SECONDS * 1000);
        return socket;
    }

    private String nextClosedLine() throws InterruptedException {
        final String line = closedLines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(line, "a tunnel closed");
        return line;
    }

    private static byte[] random(final int size, final long seed) {
        final byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Copies what the target receives back to the sender, and passes its half-close on. */
    private void echoOn(final Socket socket) {
        pool.execute(() -> {
            try (socket) {
                socket.getInputStream().transferTo(socket.getOutputStream());
                socket.shutdownOutput();
                socket.getInputStream().read(); // wait for the terminator to close
            } catch (final IOException ignored) {
                // the test asserts on the other side
            }
        });
    }

    @Test
    void bytesFlowBothWaysAndInteractiveBytesArriveAtOnce() throws Exception {
        final InetSocketAddress local = clientFor("echo");
        try (Socket socket = connect(local)) {
            echoOn(nextTargetConnection());
            // a small write must come back without more input following it: the terminators flush
            socket.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("hello\n".getBytes(StandardCharsets.US_ASCII), socket.getInputStream().readNBytes(6));

            final byte[] bulk = random(3 * 1024 * 1024 + 17, 1);
            final CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return socket.getInputStream().readNBytes(bulk.length);
                } catch (final IOException failed) {
                    throw new IllegalStateException(failed);
                }
            }, pool);
            socket.getOutputStream().write(bulk);
            assertArrayEquals(bulk, echoed.get(WAIT_SECONDS, TimeUnit.SECONDS));

            socket.shutdownOutput();
            assertEquals(-1, socket.getInputStream().read(), "the echo's half-close arrives as EOF");
        }
        final String first = nextClosedLine();
        final String second = nextClosedLine();
        final long total = 6 + 3 * 1024 * 1024 + 17;
        for (final String line : List.of(first, second)) {
            assertTrue(line.contains("both sides closed"), line);
            assertTrue(line.contains("up " + total + " bytes, down " + total + " bytes"), line);
        }
    }

    @Test
    void halfCloseLetsTheReplyFollowTheRequest() throws Exception {
        final InetSocketAddress local = clientFor("echo");
        final byte[] request = random(200_000, 2);
        final byte[] reply = random(500_000, 3);
        try (Socket socket = connect(local)) {
            final Socket server = nextTargetConnection();
            final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (server) {
                    // a server that answers only once its client has finished sending
                    final byte[] all = server.getInputStream().readAllBytes();
                    server.getOutputStream().write(reply);
                    server.shutdownOutput();
                    server.getInputStream().read();
                    return all;
                } catch (final IOException failed) {
                    throw new IllegalStateException(failed);
                }
            }, pool);
            socket.getOutputStream().write(request);
            socket.shutdownOutput();

            assertArrayEquals(request, received.get(WAIT_SECONDS, TimeUnit.SECONDS));
            final InputStream in = socket.getInputStream();
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            in.transferTo(got);
            assertArrayEquals(reply, got.toByteArray(), "the whole reply arrives after our half-close");
        }
        assertTrue(nextClosedLine().contains("both sides closed"));
        assertTrue(nextClosedLine().contains("both sides closed"));
    }

    @Test
    void aResetOnOneSideAbortsTheOther() throws Exception {
        final InetSocketAddress local = clientFor("echo");
        final Socket socket = connect(local);
        final Socket server = nextTargetConnection();
        socket.getOutputStream().write('x');
        assertEquals('x', server.getInputStream().read(), "the tunnel is up");

        socket.setSoLinger(true, 0);
        socket.close(); // an RST, not a clean end

        boolean ended;
        try {
            ended = server.getInputStream().read() == -1;
        } catch (final IOException reset) {
            ended = true;
        }
        assertTrue(ended, "the target's connection was closed");
        server.close();
        final String first = nextClosedLine();
        final String second = nextClosedLine();
        final String both = first + "\n" + second;
        assertTrue(both.contains("TCP connection failed"), both);
        assertTrue(both.contains("peer aborted"), both);
        assertTrue(!first.contains("both sides closed") && !second.contains("both sides closed"), both);
    }

    @Test
    void anUnreachableTargetIsRefusedAndTheClientConnectionClosed() throws Exception {
        final InetSocketAddress local = clientFor("down");
        try (Socket socket = connect(local)) {
            assertConnectionReset(socket);
        }
        assertEquals(1, relay.refusals.size(), relay.refusals.toString());
        assertTrue(relay.refusals.get(0).contains("cannot connect to down"), relay.refusals.get(0));
        assertTrue(targetConnections.isEmpty());
    }

    @Test
    void garbageFromTheRelayClosesTheClientConnection() throws Exception {
        relay.garbageForConnect = "<html><body>502 Bad Gateway</body></html>".getBytes(StandardCharsets.US_ASCII);
        final InetSocketAddress local = clientFor("echo");
        try (Socket socket = connect(local)) {
            assertConnectionReset(socket);
        }
        final String line = nextClosedLine();
        assertTrue(line.contains("garbage"), line);
    }

    /** A tunnel that was cut or never opened ends its TCP connection with a reset, never a clean end. */
    private static void assertConnectionReset(final Socket socket) {
        try {
            final int read = socket.getInputStream().read();
            org.junit.jupiter.api.Assertions.fail("the connection ended cleanly (read gave " + read + "), not with a reset");
        } catch (final java.net.SocketException reset) {
            assertTrue(String.valueOf(reset.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("reset"),
                    reset::toString);
        } catch (final IOException other) {
            throw new AssertionError("expected a reset", other);
        }
    }
}
