package org.ptth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.proxy.tunnel.Transport;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * Duplex mode against the fake relay: each terminator carries a tunnel on one exchange whose
 * request body is the outgoing direction and whose response is the incoming one. Bytes, half-close
 * in both orders, aborts, a relay that does not confirm duplex, and duplex facing four-stream.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DuplexTest {

    private static final TunnelSettings FOUR_STREAM =
            new TunnelSettings(Duration.ofSeconds(1), Duration.ofSeconds(45));
    private static final TunnelSettings DUPLEX = FOUR_STREAM.withTransport(Transport.DUPLEX);

    private Rig rig;

    /** Starts the fake relay, a target and a server terminator exposing it as {@code echo} (and a dead {@code down}). */
    private void start(final TunnelSettings serverSide) throws Exception {
        rig = Rig.holdingTarget(serverSide);
    }

    @AfterEach
    void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void bytesFlowBothWaysOnTwoExchangesPerTunnel() throws Exception {
        start(DUPLEX);
        final long total = echoBulk(rig.clientFor("echo", DUPLEX));
        assertBothClosedCleanly(total);
        assertFalse(rig.relay.verbs.contains("upstream"), rig.relay.verbs.toString());
        assertFalse(rig.relay.verbs.contains("downstream"), rig.relay.verbs.toString());
        assertTrue(rig.relay.verbs.contains("connect") && rig.relay.verbs.contains("accept"), rig.relay.verbs.toString());
    }

    @Test
    void aRelayThatDoesNotConfirmDuplexEndsTheTunnelSayingWhy() throws Exception {
        start(DUPLEX);
        rig.relay.confirmDuplex = false;
        try (Socket socket = Rig.connect(rig.clientFor("echo", DUPLEX))) {
            assertConnectionEnds(socket);
        }
        final String line = rig.nextClosedLine();
        assertTrue(line.contains("did not confirm duplex mode") && line.contains("--transport four-stream"), line);
    }

    @Test
    void aDuplexClientWorksWithAFourStreamServer() throws Exception {
        start(FOUR_STREAM);
        final long total = echoBulk(rig.clientFor("echo", DUPLEX));
        assertBothClosedCleanly(total);
        assertFalse(rig.relay.verbs.contains("upstream"), rig.relay.verbs.toString());
        assertTrue(rig.relay.verbs.contains("downstream"), rig.relay.verbs.toString());
    }

    @Test
    void aFourStreamClientWorksWithADuplexServer() throws Exception {
        start(DUPLEX);
        final long total = echoBulk(rig.clientFor("echo", FOUR_STREAM));
        assertBothClosedCleanly(total);
        assertTrue(rig.relay.verbs.contains("upstream"), rig.relay.verbs.toString());
        assertFalse(rig.relay.verbs.contains("downstream"), rig.relay.verbs.toString());
    }

    @Test
    void theReplyFollowsTheClientsHalfClose() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = rig.clientFor("echo", DUPLEX);
        final byte[] request = random(200_000, 2);
        final byte[] reply = random(500_000, 3);
        try (Socket socket = Rig.connect(local)) {
            final Socket server = rig.nextTargetConnection();
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
            }, rig.pool);
            socket.getOutputStream().write(request);
            socket.shutdownOutput();
            assertEquals(sha256(request), sha256(received.get(Rig.WAIT_SECONDS, TimeUnit.SECONDS)));
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(got);
            assertEquals(sha256(reply), sha256(got.toByteArray()), "the whole reply arrives after our half-close");
        }
        assertTrue(rig.nextClosedLine().contains("both sides closed"));
        assertTrue(rig.nextClosedLine().contains("both sides closed"));
    }

    @Test
    void theRequestFollowsTheServersHalfClose() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = rig.clientFor("echo", DUPLEX);
        final byte[] greeting = random(300_000, 4);
        final byte[] request = random(700_000, 5);
        try (Socket socket = Rig.connect(local)) {
            final Socket server = rig.nextTargetConnection();
            final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (server) {
                    // a server that speaks first, ends its side, then listens to the end
                    server.getOutputStream().write(greeting);
                    server.shutdownOutput();
                    return server.getInputStream().readAllBytes();
                } catch (final IOException failed) {
                    throw new IllegalStateException(failed);
                }
            }, rig.pool);
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(got);
            assertEquals(sha256(greeting), sha256(got.toByteArray()), "the greeting, then EOF");
            socket.getOutputStream().write(request);
            socket.shutdownOutput();
            assertEquals(sha256(request), sha256(received.get(Rig.WAIT_SECONDS, TimeUnit.SECONDS)),
                    "the request still flows after the response direction ended");
        }
        final String first = rig.nextClosedLine();
        final String second = rig.nextClosedLine();
        for (final String line : List.of(first, second)) {
            assertTrue(line.contains("both sides closed"), line);
            assertTrue(line.contains("up " + request.length + " bytes, down " + greeting.length + " bytes"), line);
        }
    }

    @Test
    void aResetOnOneSideAbortsTheOther() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = rig.clientFor("echo", DUPLEX);
        final Socket socket = Rig.connect(local);
        final Socket server = rig.nextTargetConnection();
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
        final String both = rig.nextClosedLine() + "\n" + rig.nextClosedLine();
        assertTrue(both.contains("TCP connection failed"), both);
        assertTrue(both.contains("peer aborted"), both);
        assertFalse(both.contains("both sides closed"), both);
    }

    @Test
    void aResetOfTheTargetAbortsTheClient() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = rig.clientFor("echo", DUPLEX);
        try (Socket socket = Rig.connect(local)) {
            final Socket server = rig.nextTargetConnection();
            socket.getOutputStream().write('x');
            assertEquals('x', server.getInputStream().read(), "the tunnel is up");
            server.setSoLinger(true, 0);
            server.close();
            assertConnectionEnds(socket);
        }
        final String both = rig.nextClosedLine() + "\n" + rig.nextClosedLine();
        assertTrue(both.contains("TCP connection failed"), both);
        assertTrue(both.contains("peer aborted"), both);
    }

    @Test
    void anUnreachableTargetIsRefused() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = rig.clientFor("down", DUPLEX);
        try (Socket socket = Rig.connect(local)) {
            assertConnectionEnds(socket);
        }
        assertEquals(1, rig.relay.refusals.size(), rig.relay.refusals.toString());
        assertTrue(rig.relay.refusals.get(0).contains("cannot connect to down"), rig.relay.refusals.get(0));
    }

    @Test
    void manyTunnelsAtOnce() throws Exception {
        start(DUPLEX);
        final InetSocketAddress local = rig.clientFor("echo", DUPLEX);
        final List<CompletableFuture<Boolean>> runs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            final int seed = i;
            runs.add(CompletableFuture.supplyAsync(() -> {
                try (Socket socket = Rig.connect(local)) {
                    final byte[] bytes = random(256 * 1024 + seed, 100 + seed);
                    final CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                        try {
                            return socket.getInputStream().readAllBytes();
                        } catch (final IOException failed) {
                            throw new IllegalStateException(failed);
                        }
                    }, rig.pool);
                    socket.getOutputStream().write(bytes);
                    socket.shutdownOutput();
                    return sha256(bytes).equals(sha256(back.get(Rig.WAIT_SECONDS, TimeUnit.SECONDS)));
                } catch (final Exception failed) {
                    throw new IllegalStateException(failed);
                }
            }, rig.pool));
        }
        for (int i = 0; i < 8; i++) {
            rig.echoOn(rig.nextTargetConnection());
        }
        for (final CompletableFuture<Boolean> run : runs) {
            assertTrue(run.get(Rig.WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    /** A keystroke, then a few MiB through the echo with checksums, then a half-close; returns the bytes sent. */
    private long echoBulk(final InetSocketAddress local) throws Exception {
        try (Socket socket = Rig.connect(local)) {
            rig.echoOn(rig.nextTargetConnection());
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
            }, rig.pool);
            socket.getOutputStream().write(bulk);
            assertEquals(sha256(bulk), sha256(echoed.get(Rig.WAIT_SECONDS, TimeUnit.SECONDS)));
            socket.shutdownOutput();
            assertEquals(-1, socket.getInputStream().read(), "the echo's half-close arrives as EOF");
            return 6 + bulk.length;
        }
    }

    private void assertBothClosedCleanly(final long total) throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            final String line = rig.nextClosedLine();
            assertTrue(line.contains("both sides closed"), line);
            assertTrue(line.contains("up " + total + " bytes, down " + total + " bytes"), line);
        }
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
