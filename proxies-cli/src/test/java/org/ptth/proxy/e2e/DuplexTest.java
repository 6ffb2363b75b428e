package org.ptth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.proxy.client.ClientTerminator;
import org.ptth.proxy.key.KeyFile;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.relay.RelayAddress;
import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.server.Exposure;
import org.ptth.proxy.server.ServerTerminator;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.TunnelThreads;

/**
 * Duplex mode against the fake relay: each terminator carries a tunnel on one exchange whose
 * request body is the outgoing direction and whose response is the incoming one. Bytes, half-close
 * in both orders, aborts, a relay that does not confirm duplex, and duplex facing four-stream.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DuplexTest {

    private static final int WAIT_SECONDS = 30;
    private static final TunnelSettings FOUR_STREAM =
            new TunnelSettings(Duration.ofSeconds(1), Duration.ofSeconds(45));
    private static final TunnelSettings DUPLEX = FOUR_STREAM.withTransport(Transport.DUPLEX);

    private final Logger tunnelLog = Logger.getLogger("org.ptth.proxy.tunnel.Tunnel");
    private final BlockingQueue<String> closedLines = new LinkedBlockingQueue<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(final LogRecord record) {
            if (record.getMessage().contains(" closed: ")) {
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

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final ExecutorService pool = TunnelThreads.newPool();
    private final BlockingQueue<Socket> targetConnections = new LinkedBlockingQueue<>();
    private final String serverKey = KeyFile.generateKey();
    private final String clientKey = KeyFile.generateKey();
    private FakeRelay relay;

    /** Starts the fake relay, a target and a server terminator exposing it as {@code echo} (and a dead {@code down}). */
    private void start(final TunnelSettings serverSide) throws Exception {
        tunnelLog.addHandler(capture);
        tunnelLog.setLevel(Level.INFO);
        relay = new FakeRelay(serverKey, clientKey);
        toClose.add(relay);
        final ServerSocket target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
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
        final int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        final RelayClient serverRelay = new RelayClient(RelayAddress.parse(relay.baseUrl()), serverKey);
        toClose.add(serverRelay);
        final ServerTerminator server = new ServerTerminator(serverRelay, "office", List.of(
                new Exposure("echo", new HostPort("127.0.0.1", target.getLocalPort())),
                new Exposure("down", new HostPort("127.0.0.1", closedPort))), 2, serverSide, pool);
        toClose.add(0, server);
        server.start();
    }

    private InetSocketAddress clientFor(final String port, final TunnelSettings settings) throws IOException {
        final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final RelayClient clientRelay = new RelayClient(RelayAddress.parse(relay.baseUrl()), clientKey);
        final ClientTerminator client = new ClientTerminator(listener, clientRelay, "office", port, settings, pool);
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

    @Test
    void bytesFlowBothWaysOnTwoExchangesPerTunnel() throws Exception {
        start(DUPLEX);
        final long total = echoBulk(clientFor("echo", DUPLEX));
        assertBothClosedCleanly(total);
        assertFalse(relay.verbs.contains("upstream"), relay.verbs.toString());
        assertFalse(relay.verbs.contains("downstream"), relay.verbs.toString());
        assertTrue(relay.verbs.contains("connect") && relay.verbs.contains("accept"), relay.verbs.toString());
    }

    @Test
    void aRelayThatDoesNotConfirmDuplexEndsTheTunnelSayingWhy() throws Exception {
        start(DUPLEX);
        relay.confirmDuplex = false;
        try (Socket socket = connect(clientFor("echo", DUPLEX))) {
            assertConnectionEnds(socket);
        }
        final String line = nextClosedLine();
        assertTrue(line.contains("did not confirm duplex mode") && line.contains("--transport four-stream"), line);
    }

    @Test
    void aDuplexClientWorksWithAFourStreamServer() throws Exception {
        start(FOUR_STREAM);
        final long total = echoBulk(clientFor("echo", DUPLEX));
        assertBothClosedCleanly(total);
        assertFalse(relay.verbs.contains("upstream"), relay.verbs.toString());
        assertTrue(relay.verbs.contains("downstream"), relay.verbs.toString());
    }

    @Test
    void aFourStreamClientWorksWithADuplexServer() throws Exception {
        start(DUPLEX);
        final long total = echoBulk(clientFor("echo", FOUR_STREAM));
        assertBothClosedCleanly(total);
        assertTrue(relay.verbs.contains("upstream"), relay.verbs.toString());
        assertFalse(relay.verbs.contains("downstream"), relay.verbs.toString());
    }

    @Test
    void theReplyFollowsTheClientsHalfClose() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = clientFor("echo", DUPLEX);
        final byte[] request = random(200_000, 2);
        final byte[] reply = random(500_000, 3);
        try (Socket socket = connect(local)) {
            final Socket server = nextTargetConnection();
            final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (server) {
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
            assertEquals(sha256(request), sha256(received.get(WAIT_SECONDS, TimeUnit.SECONDS)));
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(got);
            assertEquals(sha256(reply), sha256(got.toByteArray()), "the whole reply arrives after our half-close");
        }
        assertTrue(nextClosedLine().contains("both sides closed"));
        assertTrue(nextClosedLine().contains("both sides closed"));
    }

    @Test
    void theRequestFollowsTheServersHalfClose() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = clientFor("echo", DUPLEX);
        final byte[] greeting = random(300_000, 4);
        final byte[] request = random(700_000, 5);
        try (Socket socket = connect(local)) {
            final Socket server = nextTargetConnection();
            final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (server) {
                    // a server that speaks first, ends its side, then listens to the end
                    server.getOutputStream().write(greeting);
                    server.shutdownOutput();
                    return server.getInputStream().readAllBytes();
                } catch (final IOException failed) {
                    throw new IllegalStateException(failed);
                }
            }, pool);
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(got);
            assertEquals(sha256(greeting), sha256(got.toByteArray()), "the greeting, then EOF");
            socket.getOutputStream().write(request);
            socket.shutdownOutput();
            assertEquals(sha256(request), sha256(received.get(WAIT_SECONDS, TimeUnit.SECONDS)),
                    "the request still flows after the response direction ended");
        }
        final String first = nextClosedLine();
        final String second = nextClosedLine();
        for (final String line : List.of(first, second)) {
            assertTrue(line.contains("both sides closed"), line);
            assertTrue(line.contains("up " + request.length + " bytes, down " + greeting.length + " bytes"), line);
        }
    }

    @Test
    void aResetOnOneSideAbortsTheOther() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = clientFor("echo", DUPLEX);
        final Socket socket = connect(local);
        final Socket server = nextTargetConnection();
        socket.getOutputStream().write('x');
        assertEquals('x', server.getInputStream().read(), "the tunnel is up");
        socket.setSoLinger(true, 0);
        socket.close();
        boolean ended;
        try {
            ended = server.getInputStream().read() == -1;
        } catch (final IOException reset) {
            ended = true;
        }
        assertTrue(ended, "the target's connection was closed");
        server.close();
        final String both = nextClosedLine() + "\n" + nextClosedLine();
        assertTrue(both.contains("TCP connection failed"), both);
        assertTrue(both.contains("peer aborted"), both);
        assertFalse(both.contains("both sides closed"), both);
    }

    @Test
    void aResetOfTheTargetAbortsTheClient() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = clientFor("echo", DUPLEX);
        try (Socket socket = connect(local)) {
            final Socket server = nextTargetConnection();
            socket.getOutputStream().write('x');
            assertEquals('x', server.getInputStream().read(), "the tunnel is up");
            server.setSoLinger(true, 0);
            server.close();
            assertConnectionEnds(socket);
        }
        final String both = nextClosedLine() + "\n" + nextClosedLine();
        assertTrue(both.contains("TCP connection failed"), both);
        assertTrue(both.contains("peer aborted"), both);
    }

    @Test
    void anUnreachableTargetIsRefused() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = clientFor("down", DUPLEX);
        try (Socket socket = connect(local)) {
            assertConnectionEnds(socket);
        }
        assertEquals(1, relay.refusals.size(), relay.refusals.toString());
        assertTrue(relay.refusals.get(0).contains("cannot connect to down"), relay.refusals.get(0));
    }

    @Test
    void manyTunnelsAtOnce() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = clientFor("echo", DUPLEX);
        final List<CompletableFuture<Boolean>> runs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            final int seed = i;
            runs.add(CompletableFuture.supplyAsync(() -> {
                try (Socket socket = connect(local)) {
                    final byte[] bytes = random(256 * 1024 + seed, 100 + seed);
                    final CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                        try {
                            return socket.getInputStream().readAllBytes();
                        } catch (final IOException failed) {
                            throw new IllegalStateException(failed);
                        }
                    }, pool);
                    socket.getOutputStream().write(bytes);
                    socket.shutdownOutput();
                    return sha256(bytes).equals(sha256(back.get(WAIT_SECONDS, TimeUnit.SECONDS)));
                } catch (final Exception failed) {
                    throw new IllegalStateException(failed);
                }
            }, pool));
        }
        for (int i = 0; i < 8; i++) {
            echoOn(nextTargetConnection());
        }
        for (final CompletableFuture<Boolean> run : runs) {
            assertTrue(run.get(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    /** A keystroke, then a few MiB through the echo with checksums, then a half-close; returns the bytes sent. */
    private long echoBulk(final InetSocketAddress local) throws Exception {
        try (Socket socket = connect(local)) {
            echoOn(nextTargetConnection());
            final long started = System.nanoTime();
            socket.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("hello\n".getBytes(StandardCharsets.US_ASCII), socket.getInputStream().readNBytes(6));
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(1),
                    "a small write comes back without waiting for a heartbeat or a fuller buffer");
            final byte[] bulk = random(4 * 1024 * 1024 + 17, 1);
            final CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return socket.getInputStream().readNBytes(bulk.length);
                } catch (final IOException failed) {
                    throw new IllegalStateException(failed);
                }
            }, pool);
            socket.getOutputStream().write(bulk);
            assertEquals(sha256(bulk), sha256(echoed.get(WAIT_SECONDS, TimeUnit.SECONDS)));
            socket.shutdownOutput();
            assertEquals(-1, socket.getInputStream().read(), "the echo's half-close arrives as EOF");
            return 6 + bulk.length;
        }
    }

    private void assertBothClosedCleanly(final long total) throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            final String line = nextClosedLine();
            assertTrue(line.contains("both sides closed"), line);
            assertTrue(line.contains("up " + total + " bytes, down " + total + " bytes"), line);
        }
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

    private void echoOn(final Socket socket) {
        pool.execute(() -> {
            try (socket) {
                final InputStream in = socket.getInputStream();
                in.transferTo(socket.getOutputStream());
                socket.shutdownOutput();
                in.read();
            } catch (final IOException ignored) {
                // the test asserts on the other side
            }
        });
    }

    private static void assertConnectionEnds(final Socket socket) {
        try {
            assertEquals(-1, socket.getInputStream().read());
        } catch (final IOException reset) {
            // a reset ends it too
        }
    }

    private static byte[] random(final int size, final long seed) {
        final byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(final byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (final NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
