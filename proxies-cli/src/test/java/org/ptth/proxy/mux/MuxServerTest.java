package org.ptth.proxy.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Payloads;
import org.ptth.proxy.net.HostPort;
import org.ptth.proxy.server.Exposure;

/** The server proxy's mux transport against a fake relay that the test plays frame by frame. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MuxServerTest {

    @TempDir
    Path dir;

    private MuxRig rig;
    private MuxRig.Target target;

    @BeforeEach
    void start() throws Exception {
        rig = new MuxRig(dir);
        target = rig.target();
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private Exposure echo() {
        return target.exposure("echo");
    }

    @Test
    void listenNamesTheExposedPortsOnConnectAndAfterAReload() throws Exception {
        final MuxRig.Server server = rig.server(MuxRig.MUX, List.of(echo()));
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        assertEquals("office", relay.server);
        assertEquals(List.of("echo"), Payloads.ports(relay.expect(0, FrameType.LISTEN).buffer()));
        server.mux().update(List.of(echo(), new Exposure("db", new HostPort("127.0.0.1", 5432))));
        assertEquals(List.of("echo", "db"), Payloads.ports(relay.expect(0, FrameType.LISTEN).buffer()));
    }

    /**
     * A target named by a host name is looked up away from the thread that delivers the link's
     * frames: while one name server answer is slow, the other tunnels of the link open and carry.
     */
    @Test
    void aTargetWhoseNameIsSlowToLookUpHoldsUpOnlyItsOwnTunnel() throws Exception {
        final int port = echo().target().port();
        final MuxRig.Server server = rig.server(MuxRig.MUX,
                List.of(echo(), new Exposure("slow", new HostPort("db.slow.test", port))));
        final CountDownLatch nameServer = new CountDownLatch(1);
        server.mux().serverSide().resolveWith(name -> {
            try {
                nameServer.await();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), name.port());
        });
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        relay.expect(0, FrameType.LISTEN);
        relay.open(3, "slow", "laptop", new byte[0]);
        relay.open(5, "echo", "laptop", "fast".getBytes(StandardCharsets.US_ASCII));
        final Socket fast = target.next();
        assertEquals("fast", new String(fast.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
        relay.expect(5, FrameType.OPENED);

        nameServer.countDown();
        assertTrue(target.next() != null, "the slow tunnel's target was connected once its name was known");
        relay.expect(3, FrameType.OPENED);
    }

    /** Closing the transport shuts its lookup threads down, which would otherwise outlive the server. */
    @Test
    void closingTheTransportEndsItsLookups() throws Exception {
        final int port = echo().target().port();
        final MuxRig.Server server = rig.server(MuxRig.MUX,
                List.of(new Exposure("named", new HostPort("db.named.test", port))));
        server.mux().serverSide().resolveWith(
                name -> new InetSocketAddress(InetAddress.getLoopbackAddress(), name.port()));
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        relay.expect(0, FrameType.LISTEN);
        relay.open(3, "named", "laptop", new byte[0]);
        assertTrue(target.next() != null, "the target was connected after its name was looked up");
        relay.expect(3, FrameType.OPENED);
        final List<Thread> lookups = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("ptth-lookup-")).toList();
        assertFalse(lookups.isEmpty(), "a lookup thread ran");

        server.mux().close();
        assertTrue(server.mux().serverSide().lookupsShutDown());
        for (final Thread lookup : lookups) {
            lookup.join(TimeUnit.SECONDS.toMillis(MuxRig.WAIT_SECONDS));
            assertFalse(lookup.isAlive(), lookup.getName());
        }
    }

    @Test
    void anOpenConnectsTheTargetWithTheFirstBytesAndCarriesBothWays() throws Exception {
        rig.server(MuxRig.MUX, List.of(echo()));
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        relay.expect(0, FrameType.LISTEN);
        relay.open(3, "echo", "laptop from 10.0.0.7", "hello".getBytes(StandardCharsets.US_ASCII));
        final Socket service = target.next();
        assertEquals("hello", new String(service.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
        relay.expect(3, FrameType.OPENED);
        final String opened = rig.nextLine("opened");
        assertTrue(opened.matches("tunnel m1\\.3 opened office/echo to 127\\.0\\.0\\.1:\\d+ for laptop from 10\\.0\\.0\\.7"),
                opened);

        // the target answers beyond the initial window; the relay grants as it goes
        final byte[] answer = MuxClientTest.random(200_000, 7);
        final Thread writer = new Thread(() -> {
            try {
                service.getOutputStream().write(answer);
            } catch (final IOException failed) {
                throw new java.io.UncheckedIOException(failed);
            }
        });
        writer.start();
        assertArrayEquals(answer, MuxClientTest.receiveGranting(relay, 3, answer.length, 65_536));
        writer.join();

        // and takes more than the initial window from the relay, within credit
        final byte[] request = MuxClientTest.random(300_000, 8);
        final Thread sender = new Thread(() -> MuxClientTest.sendWithinCredit(relay, 3, request));
        sender.start();
        assertArrayEquals(request, service.getInputStream().readNBytes(request.length));
        sender.join();
    }

    @Test
    void halfCloseGoesEachWay() throws Exception {
        rig.server(MuxRig.MUX, List.of(echo()));
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        relay.expect(0, FrameType.LISTEN);
        relay.open(1, "echo", "", "request".getBytes(StandardCharsets.US_ASCII));
        relay.end(1);
        final Socket service = target.next();
        relay.expect(1, FrameType.OPENED);
        assertEquals("request", new String(service.getInputStream().readAllBytes(), StandardCharsets.US_ASCII),
                "the bytes, then the end of stream");
        service.getOutputStream().write("reply".getBytes(StandardCharsets.US_ASCII));
        service.shutdownOutput();
        assertEquals("reply", new String(MuxClientTest.receiveUntilEnd(relay, 1), StandardCharsets.US_ASCII));
        final String closed = rig.nextLine("tunnel m1.1 closed");
        assertTrue(closed.contains("up 7 bytes, down 5 bytes") && closed.endsWith("both sides closed"), closed);
    }

    @Test
    void abortsResetEitherWay() throws Exception {
        rig.server(MuxRig.MUX, List.of(echo()));
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        relay.expect(0, FrameType.LISTEN);

        relay.open(1, "echo", "", new byte[0]);
        final Socket first = target.next();
        relay.expect(1, FrameType.OPENED);
        relay.abort(1, "client reset");
        assertThrows(SocketException.class, () -> first.getInputStream().read());

        relay.open(2, "echo", "", new byte[0]);
        final Socket second = target.next();
        relay.expect(2, FrameType.OPENED);
        second.setSoLinger(true, 0);
        second.close();
        assertTrue(relay.expect(2, FrameType.ABORT).text().startsWith("TCP connection failed"));
    }

    @Test
    void anUnreachableTargetOrUnknownPortIsRefused() throws Exception {
        final int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        rig.server(MuxRig.MUX, List.of(new Exposure("gone", new HostPort("127.0.0.1", closedPort))));
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        relay.expect(0, FrameType.LISTEN);
        relay.open(1, "gone", "", "lost".getBytes(StandardCharsets.US_ASCII));
        final Payloads.Refusal refusal = Payloads.refusal(relay.expect(1, FrameType.REFUSE).buffer());
        assertEquals(502, refusal.status());
        assertTrue(refusal.reason().startsWith("cannot connect to gone: "), refusal.reason());

        relay.open(2, "other", "", new byte[0]);
        assertEquals(404, Payloads.refusal(relay.expect(2, FrameType.REFUSE).buffer()).status());
    }

    @Test
    void autoStartsTheListenPollsWhenThePathRefusesTheUpgrade() throws Exception {
        rig.relay.refuseStatus = 405;
        rig.server(MuxRig.AUTO, List.of(echo()));
        final String line = rig.nextLine("transport four-stream");
        assertTrue(line.contains("HTTP 405"), line);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MuxRig.WAIT_SECONDS);
        while (!rig.relay.requests.contains("POST /relay/v1/office/listen/echo")) {
            assertTrue(System.nanoTime() < deadline, "no listen poll: " + rig.relay.requests);
            Thread.sleep(50);
        }
    }
}
