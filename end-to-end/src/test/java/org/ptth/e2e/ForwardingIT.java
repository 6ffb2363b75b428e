package org.ptth.e2e;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.MessageDigest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.ptth.e2e.harness.Chain;
import org.ptth.e2e.harness.FreePorts;
import org.ptth.e2e.harness.ProxyProcess;
import org.ptth.e2e.harness.StandaloneTomcat;
import org.ptth.e2e.harness.TcpHandlers;
import org.ptth.e2e.harness.TcpHandlers.Bulk;
import org.ptth.e2e.harness.TestEnvironment;
import org.ptth.e2e.harness.Transfer;

/**
 * The whole chain, for real: TCP client -> client proxy -> relay WAR in a standalone Tomcat 10.1 ->
 * server proxy -> TCP server, each its own process but the two TCP ends (this JVM).
 *
 * <p>One Tomcat, one server proxy and one client proxy serve every test. Tomcat's connectionTimeout
 * is 3 s (so an idle tunnel outlives it quickly) and the proxies send a heartbeat every second. The
 * TCP server behind the server proxy reads one byte first and lets it choose what it does with the
 * connection: {@code E} echo, {@code R} read to end then reply, {@code B} bulk both ways, {@code H}
 * hand the socket to the test.
 *
 * <p>Timing bounds are generous on purpose: where the contract says "within 2 s" the tests allow 5 s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForwardingIT {

    private static final int CONNECTION_TIMEOUT_MILLIS = 3_000;
    static final int HEARTBEAT_SECONDS = 1;
    private static final int READ_TIMEOUT_MILLIS = 60_000;
    private static final long BULK_BYTES = 64L * 1024 * 1024;
    private static final long PARALLEL_UPLOAD_BYTES = 16L * 1024 * 1024;
    private static final int REPLY_BYTES = 1024 * 1024;
    private static final int TUNNELS = 100;
    private static final long PAUSED_READER_BYTES = 64L * 1024 * 1024;
    /** Four times the connectionTimeout: what Tomcat times out at, it would have timed out by then. */
    private static final Duration SLOW_PEER_TIME = Duration.ofMillis(4L * CONNECTION_TIMEOUT_MILLIS);
    private static final Duration ABORT_PROPAGATION = Duration.ofSeconds(5);
    /** The relay's connect.wait below, plus a margin: how long an unknown port may take to be refused. */
    private static final Duration REFUSAL = Duration.ofSeconds(10 + 20);

    static final String SERVER = "e2e-server";
    static final String CLIENT = "e2e-client";
    static final String PORT = "test";
    static final String REFUSING_PORT = "closed";

    private final BlockingQueue<Bulk> bulkResults = new LinkedBlockingQueue<>();
    private final BlockingQueue<Bulk> uploadResults = new LinkedBlockingQueue<>();
    private final BlockingQueue<Socket> handedOver = new LinkedBlockingQueue<>();

    private Chain chain;

    /** The Tomcat distribution to run the relay in; a subclass may pick another. */
    protected Path tomcatDistribution() {
        return TestEnvironment.tomcat10Home();
    }

    /** The relay URL every proxy is given: Tomcat's own, unless a subclass puts something in front of it. */
    protected URI relayUrl() {
        return chain.tomcat().relayBase();
    }

    /**
     * Options given to both proxies: four-stream here (the proxies' default, auto, would take mux, which
     * the Mux subclasses run); a subclass names another transport or adds options.
     */
    protected List<String> proxyOptions() {
        return List.of("--transport", "four-stream");
    }

    /** Options of the client proxy: {@link #proxyOptions()} unless a subclass mixes transports. */
    protected List<String> clientOptions() {
        return proxyOptions();
    }

    /** Options of the server proxy: {@link #proxyOptions()} unless a subclass mixes transports. */
    protected List<String> serverOptions() {
        return proxyOptions();
    }

    /** How long the relay parks a listen poll (listen.timeout); a subclass may shorten it. */
    protected Duration listenTimeout() {
        return Duration.ofSeconds(20);
    }

    /** Lets a subclass add to the Tomcat (a Valve, say) before it starts. */
    protected StandaloneTomcat.Builder configureTomcat(final StandaloneTomcat.Builder builder) {
        return builder;
    }

    @BeforeAll
    void startChain() throws IOException {
        startRelay();
        startProxies();
    }

    /** The TCP server, the relay's configuration and keys, and Tomcat: all but the two proxies. */
    protected final void startRelay() throws IOException {
        chain = Chain.builder(getClass().getSimpleName(), TcpHandlers.dispatch(Map.of(
                        'E', TcpHandlers.echo(),
                        'R', TcpHandlers.digestThenReply(REPLY_BYTES),
                        'B', TcpHandlers.sinkAndSource(BULK_BYTES, bulkResults),
                        'U', TcpHandlers.sinkAndSource(0, uploadResults),
                        'H', TcpHandlers.handOver(handedOver))))
                .names(SERVER, CLIENT)
                .port(PORT)
                .refusingPort(REFUSING_PORT)
                .tomcat(tomcatDistribution())
                .tomcatSetup(this::configureTomcat)
                .connectionTimeoutMillis(CONNECTION_TIMEOUT_MILLIS)
                .relay("listen.timeout", listenTimeout().toSeconds() + "s")
                .status()
                .heartbeatSeconds(HEARTBEAT_SECONDS)
                .startRelay();
    }

    /** The server proxy and the client proxy, given {@link #relayUrl()} and their options. */
    protected final void startProxies() throws IOException {
        chain.startProxies(relayUrl(), clientOptions(), serverOptions());
    }

    /** Stops the two proxies, so that a subclass can start them again with another relay URL. */
    protected final void stopProxies() {
        chain.stopProxies();
    }

    protected final Chain chain() {
        return chain;
    }

    @AfterAll
    void stopChain() {
        try {
            if (chain != null) {
                chain.close();
            }
        } finally {
            for (Socket s; (s = handedOver.poll()) != null; ) {
                closeQuietly(s);
            }
        }
    }

    @BeforeEach
    void forgetOldServerErrors() {
        chain.target().clearErrors();
        handedOver.clear();
        bulkResults.clear();
        uploadResults.clear();
    }

    @AfterEach
    void proxiesStillRun() {
        assertTrue(chain.serverProxy().isAlive(), () -> "the server proxy died\n" + chain.serverProxy().logTail(40));
        assertTrue(chain.clientProxy().isAlive(), () -> "the client proxy died\n" + chain.clientProxy().logTail(40));
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void bulkBothWaysAtOnceThroughOneTunnel() throws Exception {
        try (Socket socket = connect(chain.clientPort())) {
            final OutputStream out = socket.getOutputStream();
            out.write('B');
            final FutureTask<Transfer> upload = inBackground("bulk-upload", () -> {
                final Transfer sent = Transfer.writeRandom(out, BULK_BYTES, 42);
                socket.shutdownOutput();
                return sent;
            });
            final Transfer downloaded = Transfer.readToEnd(socket.getInputStream());
            final Transfer uploaded = upload.get(120, TimeUnit.SECONDS);

            final Bulk atServer = bulkResults.poll(60, TimeUnit.SECONDS);
            assertNotNull(atServer, "the TCP server never reported its side of the bulk transfer; its errors: "
                    + chain.target().errors());
            assertEquals(uploaded, atServer.received(), "client -> server: what the server read");
            assertEquals(atServer.sent(), downloaded, "server -> client: what the client read");
            assertEquals(BULK_BYTES, downloaded.bytes());
        }
        assertNoServerErrors();
    }

    /**
     * Eight bulk uploads at once, as iperf3 -P 8 makes them: the relay's queue towards the server
     * proxy backs up and its tunnels wait for room while the client keeps sending. Every byte of
     * every stream must arrive (a relay writer once spun forever at that point, and every tunnel of
     * the connection stopped until it was closed as silent).
     */
    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void eightBulkUploadsAtOnce() throws Exception {
        final int streams = 8;
        final List<Socket> sockets = new ArrayList<>();
        final List<FutureTask<Transfer>> uploads = new ArrayList<>();
        try {
            for (int i = 0; i < streams; i++) {
                final Socket socket = connect(chain.clientPort());
                sockets.add(socket);
                socket.getOutputStream().write('U');
                final long seed = 800 + i;
                uploads.add(inBackground("upload-" + i, () -> {
                    final Transfer sent = Transfer.writeRandom(socket.getOutputStream(), PARALLEL_UPLOAD_BYTES, seed);
                    socket.shutdownOutput();
                    return sent;
                }));
            }
            final List<Transfer> sent = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                sent.add(uploads.get(i).get(240, TimeUnit.SECONDS));
                assertEquals(-1, sockets.get(i).getInputStream().read(), "the server's end follows the upload's");
            }
            final List<Transfer> received = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                final Bulk atServer = uploadResults.poll(60, TimeUnit.SECONDS);
                assertNotNull(atServer, "only " + i + " of " + streams + " uploads reached their end at the server");
                received.add(atServer.received());
            }
            assertEquals(Set.copyOf(sent), Set.copyOf(received), "what the server read, stream by stream");
        } finally {
            for (final Socket socket : sockets) {
                socket.close();
            }
        }
        assertNoServerErrors();
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void halfCloseLetsTheServerReplyAfterTheClientsEnd() throws Exception {
        final byte[] request = Transfer.randomBytes(100 * 1024 + 17, 7);
        try (Socket socket = connect(chain.clientPort())) {
            final OutputStream out = socket.getOutputStream();
            out.write('R');
            out.write(request);
            out.flush();
            socket.shutdownOutput();

            final InputStream in = socket.getInputStream();
            final byte[] reply = in.readAllBytes();
            assertEquals(32 + REPLY_BYTES + 32, reply.length, "reply length, up to end of stream");
            assertArrayEquals(Transfer.sha256(request), Arrays.copyOfRange(reply, 0, 32),
                    "the server's digest of the request it read up to the client's half-close");
            final byte[] body = Arrays.copyOfRange(reply, 32, 32 + REPLY_BYTES);
            assertArrayEquals(Transfer.sha256(body), Arrays.copyOfRange(reply, 32 + REPLY_BYTES, reply.length),
                    "the reply's own digest");
            assertEquals(-1, in.read(), "end of stream stays end of stream");
        }
        assertNoServerErrors();
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tcpServerResetClosesTheClientSide() throws Exception {
        try (Socket client = connect(chain.clientPort())) {
            final Socket server = openHandedOverTunnel(client);
            server.setSoLinger(true, 0);
            server.close();
            assertClosedWithin(client, ABORT_PROPAGATION, "the TCP client, after the TCP server reset");
        }
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tcpClientResetClosesTheServerSide() throws Exception {
        final Socket client = connect(chain.clientPort());
        final Socket server;
        try {
            server = openHandedOverTunnel(client);
        } catch (final Exception | Error e) {
            client.close();
            throw e;
        }
        try (server) {
            client.setSoLinger(true, 0);
            client.close();
            assertClosedWithin(server, ABORT_PROPAGATION, "the TCP server, after the TCP client reset");
        }
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void hundredConcurrentTunnels() throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(TUNNELS);
        try {
            final CountDownLatch go = new CountDownLatch(1);
            final List<Future<?>> tunnels = new ArrayList<>();
            for (int i = 0; i < TUNNELS; i++) {
                final int n = i;
                tunnels.add(pool.submit(() -> {
                    go.await();
                    echoRoundTrip(chain.clientPort(), Transfer.randomBytes(2048 + 37 * n, 1000 + n));
                    return null;
                }));
            }
            go.countDown();
            final List<String> failures = new ArrayList<>();
            for (int i = 0; i < TUNNELS; i++) {
                try {
                    tunnels.get(i).get(240, TimeUnit.SECONDS);
                } catch (final ExecutionException e) {
                    failures.add("tunnel " + i + ": " + e.getCause());
                } catch (final TimeoutException e) {
                    failures.add("tunnel " + i + ": not done after 240 s");
                }
            }
            assertEquals(List.of(), failures, failures.size() + " of " + TUNNELS + " tunnels failed");
        } finally {
            pool.shutdownNow();
        }
        assertNoServerErrors();
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void idleTunnelOutlivesTheConnectionTimeout() throws Exception {
        try (Socket socket = connect(chain.clientPort())) {
            final OutputStream out = socket.getOutputStream();
            final InputStream in = socket.getInputStream();
            out.write('E');
            roundTrip(out, in, "before the pause\n".getBytes(US_ASCII));

            Thread.sleep(8_000);   // more than twice the connector's connectionTimeout (3 s), nothing sent

            roundTrip(out, in, "after the pause\n".getBytes(US_ASCII));
            roundTrip(out, in, Transfer.randomBytes(256 * 1024, 3));
            socket.shutdownOutput();
            assertEquals(-1, in.read(), "the echo ends after the client's end");
        }
        assertNoServerErrors();
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void unknownPortNameClosesTheClientsConnection() throws Exception {
        final int port = FreePorts.next();
        try (ProxyProcess unknown = chain.clientProxy("no-such-port", port)) {
            assertConnectionRefusedThroughTunnel(port, "a port name the server proxy does not expose");
            assertTrue(unknown.isAlive(), () -> "the client proxy died\n" + unknown.logTail(40));
        }
        echoRoundTrip(chain.clientPort(), "still working\n".getBytes(US_ASCII));
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void unreachableTargetClosesTheClientsConnection() throws Exception {
        final int port = FreePorts.next();
        try (ProxyProcess refusing = chain.clientProxy(REFUSING_PORT, port)) {
            assertConnectionRefusedThroughTunnel(port, "an exposed port whose TCP target refuses connections");
            assertTrue(refusing.isAlive(), () -> "the client proxy died\n" + refusing.logTail(40));
        }
        echoRoundTrip(chain.clientPort(), "still working\n".getBytes(US_ASCII));
    }

    /**
     * A TCP client that stops reading for four times the connector's connectionTimeout (the read and
     * write timeout of every call at the relay) and then reads on gets every byte and a clean end: a
     * pause of 10 minutes behind Tomcat's shipped 20 s is the same case, scaled down.
     */
    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void pausedReaderGetsEveryByte() throws Exception {
        try (Socket client = connect(chain.clientPort())) {
            try (Socket server = openHandedOverTunnel(client)) {
                final FutureTask<Transfer> source = inBackground("paused-reader-source", () -> {
                    final Transfer sent = Transfer.writeRandom(server.getOutputStream(), PAUSED_READER_BYTES, 11);
                    server.shutdownOutput();
                    return sent;
                });
                final InputStream in = client.getInputStream();
                final MessageDigest digest = Transfer.sha256Digest();
                final byte[] before = in.readNBytes(1024 * 1024);
                digest.update(before);
                Thread.sleep(SLOW_PEER_TIME.toMillis()); // the slow reader itself, not a wait for anything
                final long received = before.length + readToEnd(in, digest);
                final Transfer sent = source.get(60, TimeUnit.SECONDS);
                System.out.printf("paused reader: %d of %d bytes after a %d s pause%n", received, sent.bytes(),
                        SLOW_PEER_TIME.toSeconds());
                assertEquals(sent, new Transfer(received, HexFormat.of().formatHex(digest.digest())),
                        "what the reader got after its pause, up to end of stream");
            }
        }
        assertNoServerErrors();
    }

    /**
     * After the client's half-close, the server streams its reply slowly, a piece every heartbeat and a
     * half, for four times the connector's connectionTimeout: every byte arrives, then a clean end.
     */
    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void slowReplyAfterHalfCloseArrivesWhole() throws Exception {
        try (Socket client = connect(chain.clientPort())) {
            try (Socket server = openHandedOverTunnel(client)) {
                client.shutdownOutput();
                assertEquals(-1, server.getInputStream().read(), "the client's half-close reached the server");
                final FutureTask<Transfer> source = inBackground("slow-reply-source", () -> {
                    final OutputStream out = server.getOutputStream();
                    final MessageDigest digest = Transfer.sha256Digest();
                    final long deadline = System.nanoTime() + SLOW_PEER_TIME.toNanos();
                    long sent = 0;
                    for (int piece = 0; System.nanoTime() < deadline; piece++) {
                        final byte[] bytes = Transfer.randomBytes(1024, 500 + piece);
                        out.write(bytes);
                        out.flush();
                        digest.update(bytes);
                        sent += bytes.length;
                        Thread.sleep(HEARTBEAT_SECONDS * 1500L); // the slow writer itself
                    }
                    server.shutdownOutput();
                    return new Transfer(sent, HexFormat.of().formatHex(digest.digest()));
                });
                final MessageDigest digest = Transfer.sha256Digest();
                final long received = readToEnd(client.getInputStream(), digest);
                final Transfer sent = source.get(60, TimeUnit.SECONDS);
                assertEquals(sent, new Transfer(received, HexFormat.of().formatHex(digest.digest())),
                        "the slow reply after the client's half-close, up to end of stream");
            }
        }
        assertNoServerErrors();
    }

    // ---- helpers

    /** Reads to end of stream into {@code digest}; returns the count. */
    private static long readToEnd(final InputStream in, final MessageDigest digest) throws IOException {
        final byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) != -1; ) {
            digest.update(buffer, 0, n);
            total += n;
        }
        return total;
    }

    /** Connects to the client proxy, says {@code H}, and checks the tunnel both ways; returns the server's end. */
    private Socket openHandedOverTunnel(final Socket client) throws Exception {
        final OutputStream out = client.getOutputStream();
        out.write('H');
        out.write("ping\n".getBytes(US_ASCII));
        out.flush();
        final Socket server = handedOver.poll(60, TimeUnit.SECONDS);
        assertNotNull(server, "no connection reached the TCP server within 60 s\n" + chain.logTails(20));
        server.setSoTimeout(READ_TIMEOUT_MILLIS);
        assertEquals("ping\n", new String(server.getInputStream().readNBytes(5), US_ASCII));
        server.getOutputStream().write("pong\n".getBytes(US_ASCII));
        server.getOutputStream().flush();
        assertEquals("pong\n", new String(client.getInputStream().readNBytes(5), US_ASCII));
        return server;
    }

    private void assertConnectionRefusedThroughTunnel(final int port, final String what) throws IOException {
        try (Socket socket = connect(port)) {
            try {
                socket.getOutputStream().write("hello?\n".getBytes(US_ASCII));
                socket.getOutputStream().flush();
            } catch (final IOException e) {
                return;   // already closed: fine
            }
            assertClosedWithin(socket, REFUSAL, "a connection to " + what);
        }
    }

    static void echoRoundTrip(final int port, final byte[] data) throws IOException {
        try (Socket socket = connect(port)) {
            final OutputStream out = socket.getOutputStream();
            final InputStream in = socket.getInputStream();
            out.write('E');
            roundTrip(out, in, data);
            socket.shutdownOutput();
            assertEquals(-1, in.read(), "the echo ends after the client's end");
        }
    }

    private static void roundTrip(final OutputStream out, final InputStream in, final byte[] data)
            throws IOException {
        out.write(data);
        out.flush();
        final byte[] back = in.readNBytes(data.length);
        assertEquals(data.length, back.length, "bytes echoed before end of stream");
        assertArrayEquals(data, back, "echoed bytes");
    }

    /** Asserts that the peer of {@code socket} goes away within {@code within}: read gives -1 or fails. */
    static void assertClosedWithin(final Socket socket, final Duration within, final String what)
            throws IOException {
        final long start = System.nanoTime();
        socket.setSoTimeout((int) within.toMillis());
        try {
            final int b = socket.getInputStream().read();
            if (b != -1) {
                fail(what + ": expected the connection to close, got a byte " + b);
            }
        } catch (final SocketTimeoutException e) {
            fail(what + ": still open after " + within.toSeconds() + " s");
        } catch (final IOException e) {
            // a reset: closed, as expected
        }
        System.out.printf("%s: closed after %d ms%n", what, (System.nanoTime() - start) / 1_000_000);
    }

    private void assertNoServerErrors() {
        assertEquals(List.of(), chain.target().errors().stream().map(Throwable::toString).toList(),
                "failures in the TCP server's handlers");
    }

    static Socket connect(final int port) throws IOException {
        final Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            return socket;
        } catch (final IOException e) {
            socket.close();
            throw e;
        }
    }

    private static <T> FutureTask<T> inBackground(final String name, final java.util.concurrent.Callable<T> work) {
        final FutureTask<T> task = new FutureTask<>(work);
        final Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    private static void closeQuietly(final Socket socket) {
        try {
            socket.close();
        } catch (final IOException e) {
            // nothing more to do
        }
    }
}
