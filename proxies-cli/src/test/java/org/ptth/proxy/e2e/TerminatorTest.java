package org.ptth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * Both terminators against a fake relay: TCP client -> client terminator -> relay -> server
 * terminator -> TCP target, all on 127.0.0.1 port 0. The timeouts here only stop hangs.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TerminatorTest {

    private static final TunnelSettings SETTINGS = new TunnelSettings(Duration.ofSeconds(1), Duration.ofSeconds(45));

    private Rig rig;

    @BeforeEach
    void start() throws Exception {
        rig = Rig.holdingTarget(SETTINGS);
    }

    /** Starts a client terminator for one port and returns its local address. */
    private InetSocketAddress clientFor(final String port) throws IOException {
        return rig.clientFor(port, SETTINGS);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private static byte[] random(final int size, final long seed) {
        final byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void bytesFlowBothWaysAndInteractiveBytesArriveAtOnce() throws Exception {
        final InetSocketAddress local = clientFor("echo");
        try (Socket socket = Rig.connect(local)) {
            rig.echoOn(rig.nextTargetConnection());
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
            }, rig.pool);
            socket.getOutputStream().write(bulk);
            assertArrayEquals(bulk, echoed.get(Rig.WAIT_SECONDS, TimeUnit.SECONDS));

            socket.shutdownOutput();
            assertEquals(-1, socket.getInputStream().read(), "the echo's half-close arrives as EOF");
        }
        final String first = rig.nextClosedLine();
        final String second = rig.nextClosedLine();
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
        try (Socket socket = Rig.connect(local)) {
            final Socket server = rig.nextTargetConnection();
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
            }, rig.pool);
            socket.getOutputStream().write(request);
            socket.shutdownOutput();

            assertArrayEquals(request, received.get(Rig.WAIT_SECONDS, TimeUnit.SECONDS));
            final InputStream in = socket.getInputStream();
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            in.transferTo(got);
            assertArrayEquals(reply, got.toByteArray(), "the whole reply arrives after our half-close");
        }
        assertTrue(rig.nextClosedLine().contains("both sides closed"));
        assertTrue(rig.nextClosedLine().contains("both sides closed"));
    }

    @Test
    void aResetOnOneSideAbortsTheOther() throws Exception {
        final InetSocketAddress local = clientFor("echo");
        final Socket socket = Rig.connect(local);
        final Socket server = rig.nextTargetConnection();
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
        final String first = rig.nextClosedLine();
        final String second = rig.nextClosedLine();
        final String both = first + "\n" + second;
        assertTrue(both.contains("TCP connection failed"), both);
        assertTrue(both.contains("peer aborted"), both);
        assertTrue(!first.contains("both sides closed") && !second.contains("both sides closed"), both);
    }

    @Test
    void anUnreachableTargetIsRefusedAndTheClientConnectionClosed() throws Exception {
        final InetSocketAddress local = clientFor("down");
        try (Socket socket = Rig.connect(local)) {
            assertConnectionReset(socket);
        }
        assertEquals(1, rig.relay.refusals.size(), rig.relay.refusals.toString());
        assertTrue(rig.relay.refusals.get(0).contains("cannot connect to down"), rig.relay.refusals.get(0));
        assertFalse(rig.targetConnectionsWaiting());
    }

    @Test
    void garbageFromTheRelayClosesTheClientConnection() throws Exception {
        rig.relay.garbageForConnect = "<html><body>502 Bad Gateway</body></html>".getBytes(StandardCharsets.US_ASCII);
        final InetSocketAddress local = clientFor("echo");
        try (Socket socket = Rig.connect(local)) {
            assertConnectionReset(socket);
        }
        final String line = rig.nextClosedLine();
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
