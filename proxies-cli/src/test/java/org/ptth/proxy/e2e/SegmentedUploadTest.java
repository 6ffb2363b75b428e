package org.ptth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.proxy.client.ClientTerminator;
import org.ptth.protocol.pth1.Frame;
import org.ptth.protocol.pth1.FrameReader;
import org.ptth.protocol.pth1.FrameType;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.tunnel.TunnelSettings;
import org.ptth.proxy.tunnel.UploadMode;

/** {@code --upload segments} on both terminators, against the fake relay; also the tunnel log lines. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SegmentedUploadTest {

    private static final TunnelSettings SEGMENTS =
            new TunnelSettings(Duration.ofSeconds(1), Duration.ofSeconds(45), UploadMode.SEGMENTS);

    private Rig rig;

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private Socket open() throws Exception {
        rig = new Rig(null, SEGMENTS, (address, key) -> new RelayClient(address, key));
        rig.client(SEGMENTS, rig.plainClient());
        final Socket socket = new Socket(rig.address(0).getAddress(), rig.address(0).getPort());
        socket.setSoTimeout(Rig.WAIT_SECONDS * 1000);
        return socket;
    }

    @Test
    void bulkAndHalfCloseGoThroughAsSegmentsThatConcatenateToAStream() throws Exception {
        final byte[] bulk = new byte[2 * 1024 * 1024 + 5];
        new Random(7).nextBytes(bulk);
        try (Socket socket = open()) {
            final CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return socket.getInputStream().readAllBytes();
                } catch (final IOException failed) {
                    throw new IllegalStateException(failed);
                }
            }, rig.pool);
            socket.getOutputStream().write(bulk);
            socket.shutdownOutput();
            assertArrayEquals(bulk, echoed.get(Rig.WAIT_SECONDS, TimeUnit.SECONDS), "echoed, then EOF");
        }
        final String closed = rig.nextLine(" closed: ");
        assertTrue(closed.contains("both sides closed"), closed);
        rig.nextLine(" closed: ");

        for (final String verb : List.of("upstream", "downstream")) {
            final ByteArrayOutputStream joined = new ByteArrayOutputStream();
            int last = 0;
            int count = 0;
            for (final FakeRelay.Segment segment : rig.relay.segments) {
                if (segment.verb().equals(verb)) {
                    assertTrue(segment.body().length <= 512 * 1024, "segment of " + segment.body().length);
                    assertEquals(0, last, "nothing after the last segment");
                    last += "last".equals(segment.kind()) ? 1 : 0;
                    joined.write(segment.body());
                    count++;
                }
            }
            assertEquals(1, last, verb + ": one last segment");
            assertTrue(count >= 5, verb + ": 2 MiB need at least 5 segments, got " + count);
            final byte[] body = joined.toByteArray();
            assertEquals("PTH1", new String(body, 0, 4, StandardCharsets.US_ASCII));
            final FrameReader frames = new FrameReader(new ByteArrayInputStream(body));
            final ByteArrayOutputStream data = new ByteArrayOutputStream();
            Frame frame;
            while ((frame = frames.next()).type() != FrameType.END) {
                assertTrue(frame.type() == FrameType.DATA || frame.type() == FrameType.HEARTBEAT, frame.type().toString());
                if (frame.type() == FrameType.DATA) {
                    data.write(frame.payload());
                }
            }
            assertArrayEquals(bulk, data.toByteArray(), verb + " carries the bytes");
        }
    }

    @Test
    void aQuietTunnelSendsHeartbeatSegmentsAndLogsOnlyItsOpeningAndClosing() throws Exception {
        try (Socket socket = open()) {
            socket.getOutputStream().write('x');
            assertEquals('x', socket.getInputStream().read());
            final int before = rig.relay.segments.size();
            // wait for heartbeat segments: each direction sends one per (1 s) quiet interval
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Rig.WAIT_SECONDS);
            while (heartbeats(before) < 4 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(heartbeats(before) >= 4, "heartbeat segments on both directions");
        }
        rig.nextLine(" closed: ");
        rig.nextLine(" closed: ");
        final List<String> tunnelLines = new ArrayList<>();
        rig.log.drainTo(tunnelLines);
        final List<String> all = new ArrayList<>(tunnelLines);
        tunnelLines.removeIf(line -> !line.startsWith("tunnel "));
        assertEquals(List.of(), tunnelLines, "after the two closed lines nothing more: " + all);
    }

    private int heartbeats(final int after) {
        int count = 0;
        final List<FakeRelay.Segment> list = new ArrayList<>(rig.relay.segments);
        for (final FakeRelay.Segment segment : list.subList(Math.min(after, list.size()), list.size())) {
            final byte[] body = segment.body();
            if (body.length == 4 && body[0] == 'H' && "more".equals(segment.kind())) {
                count++;
            }
        }
        return count;
    }

    @Test
    void aRejectedSegmentAbortsTheTunnel() throws Exception {
        try (Socket socket = open()) {
            rig.relay.rejectSegments = true;
            socket.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            try {
                assertEquals(-1, socket.getInputStream().read());
            } catch (final IOException reset) {
                // a reset ends it too
            }
        }
        final String closed = rig.nextLine(" closed: ");
        assertTrue(closed.contains("segment rejected: HTTP 409") || closed.contains("peer aborted")
                || closed.contains("without END"), closed);
    }

    @Test
    void openAndClosedLinesSayWhoWhichPortBytesAndWhy() throws Exception {
        try (Socket socket = open()) {
            socket.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
            assertEquals("abc", new String(socket.getInputStream().readNBytes(3), StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertEquals(-1, socket.getInputStream().read());
        }
        final List<String> lines = new ArrayList<>();
        lines.add(rig.nextLine(" closed: "));
        lines.add(rig.nextLine(" closed: "));
        final String both = String.join("\n", lines);
        assertTrue(both.contains("closed: office/echo to 127.0.0.1:"), "server: exposed name and target\n" + both);
        assertTrue(both.contains("closed: office/echo from /127.0.0.1:"), "client: who\n" + both);
        for (final String line : lines) {
            assertTrue(line.matches(".* up 3 bytes, down 3 bytes, \\d+ ms, both sides closed"), line);
        }
    }

    @Test
    void drainWaitsForTheGracePeriodThenCutsWhatIsLeft() throws Exception {
        rig = new Rig(null, SEGMENTS, (address, key) -> new RelayClient(address, key));
        final ClientTerminator client = rig.client(SEGMENTS,
                new RelayClient(RelayAddress.parse(rig.relay.baseUrl()), rig.clientKey));
        try (Socket socket = new Socket(rig.address(0).getAddress(), rig.address(0).getPort())) {
            socket.getOutputStream().write('x');
            assertEquals('x', socket.getInputStream().read());
            client.stopAccepting();
            assertEquals(1, client.openTunnels());
            assertEquals(1, client.drain(Duration.ofMillis(200)), "the open tunnel is cut");
            final String closed = rig.nextLine(" closed: office/echo from");
            assertTrue(closed.contains("shutting down"), closed);
        }
    }
}
