package org.ptth.proxy.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.Payloads;

/** The client proxy's mux transport against a fake relay that the test plays frame by frame. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MuxClientTest {

    @TempDir
    Path dir;

    private MuxRig rig;

    @BeforeEach
    void start() throws Exception {
        rig = new MuxRig(dir);
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    @Test
    void opensWithTheBytesAlreadySentAndCarriesEveryByteBothWays() throws Exception {
        // the proxy is still connecting: the TCP client's bytes are in the socket before the OPEN is made
        final java.util.concurrent.CountDownLatch upgrade = new java.util.concurrent.CountDownLatch(1);
        rig.relay.holdUpgrades = upgrade;
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MuxRig.WAIT_SECONDS);
        while (rig.relay.upgrades.isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "no upgrade request");
            Thread.sleep(10);
        }
        final Socket user = rig.connect(address);
        user.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        upgrade.countDown();
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        assertEquals("office", relay.server);

        final FakeMuxRelay.Frame open = relay.nextOpen();
        final Payloads.Open parsed = Payloads.open(open.buffer());
        assertEquals("echo", parsed.port());
        assertEquals("", parsed.label());
        assertEquals("hello", StandardCharsets.US_ASCII.decode(parsed.firstBytes()).toString());
        final int tunnel = open.tunnel();
        relay.opened(tunnel);
        rig.nextLine("tunnel m1." + tunnel + " opened office/echo from /127.0.0.1:");

        // down: more than the initial window, sent within credit as the proxy grants it
        final byte[] down = random(300_000, 1);
        final Thread sender = new Thread(() -> sendWithinCredit(relay, tunnel, down));
        sender.start();
        assertArrayEquals(down, user.getInputStream().readNBytes(down.length));
        sender.join();

        // up: every byte arrives, never past the credit the relay grants
        final byte[] up = random(500_000, 2);
        final Thread writer = new Thread(() -> {
            try {
                user.getOutputStream().write(up);
            } catch (final java.io.IOException failed) {
                throw new java.io.UncheckedIOException(failed);
            }
        });
        writer.start();
        assertArrayEquals(up, receiveGranting(relay, tunnel, up.length, 65_536));
        writer.join();
    }

    @Test
    void halfCloseGoesEachWayAndTheTunnelEndsCleanly() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        final Socket user = rig.connect(address);
        final int tunnel = relay.nextOpen().tunnel();
        relay.opened(tunnel);
        user.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
        user.shutdownOutput();
        assertEquals("question", new String(receiveUntilEnd(relay, tunnel), StandardCharsets.US_ASCII));

        // the other way still flows after our END, then ends too
        relay.data(tunnel, "answer".getBytes(StandardCharsets.US_ASCII));
        relay.end(tunnel);
        assertEquals("answer", new String(user.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        final String closed = rig.nextLine("tunnel m1." + tunnel + " closed");
        assertTrue(closed.contains("up 8 bytes, down 6 bytes") && closed.endsWith("both sides closed"), closed);
    }

    @Test
    void anAbortFromTheRelayResetsTheTcpConnection() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        final Socket user = rig.connect(address);
        final int tunnel = relay.nextOpen().tunnel();
        relay.opened(tunnel);
        relay.abort(tunnel, "target reset");
        assertThrows(SocketException.class, () -> user.getInputStream().read(), "a reset, not an end of stream");
        assertTrue(rig.nextLine("tunnel m1." + tunnel + " closed").endsWith("peer aborted: target reset"));
    }

    @Test
    void aResetTcpClientAbortsTheTunnel() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        final Socket user = rig.connect(address);
        final int tunnel = relay.nextOpen().tunnel();
        relay.opened(tunnel);
        user.setSoLinger(true, 0);
        user.close();
        final FakeMuxRelay.Frame abort = relay.expect(tunnel, FrameType.ABORT);
        assertTrue(abort.text().startsWith("TCP connection failed"), abort.text());
    }

    @Test
    void aRefusalResetsTheTcpConnectionAndIsLogged() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        final Socket user = rig.connect(address);
        final int tunnel = relay.nextOpen().tunnel();
        relay.refuse(tunnel, 404, "no such server or port online");
        assertThrows(SocketException.class, () -> user.getInputStream().read());
        final String line = rig.nextLine("refused");
        assertTrue(line.matches("connection from /127\\.0\\.0\\.1:\\d+ to office/echo refused: 404 no such server or"
                + " port online"), line);
    }

    @Test
    void theProxyNeverSendsPastItsCredit() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        final Socket user = rig.connect(address);
        final int tunnel = relay.nextOpen().tunnel();
        relay.opened(tunnel);
        final byte[] up = random(Frames.INITIAL_WINDOW + 10_000, 3);
        final Thread writer = new Thread(() -> {
            try {
                user.getOutputStream().write(up);
            } catch (final java.io.IOException failed) {
                throw new java.io.UncheckedIOException(failed);
            }
        });
        writer.start();
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        long granted = Frames.INITIAL_WINDOW;
        while (got.size() < up.length) {
            // each grant is used up exactly: never a byte more, whatever the socket holds
            while (got.size() < granted) {
                final FakeMuxRelay.Frame frame = relay.expect(tunnel, FrameType.DATA);
                got.write(frame.payload());
                assertTrue(got.size() <= granted, got.size() + " bytes sent with " + granted + " of credit");
            }
            relay.credit(tunnel, 1000);
            granted += 1000;
        }
        writer.join();
        assertArrayEquals(up, got.toByteArray());
    }

    @Test
    void aStalledReaderDoesNotStopANeighbourTunnel() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        final Socket stalled = rig.connect(address);
        final int a = relay.nextOpen().tunnel();
        relay.opened(a);
        final Socket lively = rig.connect(address);
        final int b = relay.nextOpen().tunnel();
        relay.opened(b);

        // A's reader reads nothing: the relay sends it all the credit the proxy grants, and no more
        final byte[] bulk = random(32 * 1024 * 1024, 4);
        final java.util.concurrent.atomic.AtomicLong lastCreditNanos = new java.util.concurrent.atomic.AtomicLong(
                System.nanoTime());
        final java.util.concurrent.atomic.AtomicInteger sentToA = new java.util.concurrent.atomic.AtomicInteger();
        final Thread sender = new Thread(() -> {
            long credit = Frames.INITIAL_WINDOW;
            try {
                while (sentToA.get() < bulk.length) {
                    while (credit == 0) {
                        final FakeMuxRelay.Frame frame = relay.poll(a, 100);
                        if (frame != null && frame.type() == FrameType.CREDIT) {
                            credit += Payloads.credit(frame.buffer());
                            lastCreditNanos.set(System.nanoTime());
                        }
                    }
                    final int at = sentToA.get();
                    final int chunk = (int) Math.min(Math.min(credit, 65_536), bulk.length - at);
                    relay.data(a, Arrays.copyOfRange(bulk, at, at + chunk));
                    sentToA.addAndGet(chunk);
                    credit -= chunk;
                }
            } catch (final Exception failed) {
                throw new AssertionError(failed);
            }
        });
        sender.start();
        // stalled: no credit for A for a second (a bound on a condition, not a timing under test)
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MuxRig.WAIT_SECONDS);
        while (System.nanoTime() - lastCreditNanos.get() < TimeUnit.SECONDS.toNanos(1)) {
            assertTrue(System.nanoTime() < deadline, "A never stalled");
            Thread.sleep(50);
        }
        final int stalledAt = sentToA.get();
        assertTrue(stalledAt < bulk.length, "the proxy took all of A while its reader read nothing");
        // at most the largest window in the proxy, plus what the two kernel buffers hold
        System.out.println("stalled after " + stalledAt + " bytes");
        assertTrue(stalledAt <= 16 * 1024 * 1024 + 8 * 1024 * 1024, "A took " + stalledAt);

        // B: round trips through the same connection while A is stalled
        for (int i = 0; i < 200; i++) {
            final byte[] ping = ("ping " + i).getBytes(StandardCharsets.US_ASCII);
            lively.getOutputStream().write(ping);
            final byte[] arrived = nextData(relay, b).payload();
            assertArrayEquals(ping, arrived);
            relay.data(b, arrived);
            assertArrayEquals(ping, lively.getInputStream().readNBytes(ping.length));
        }
        assertEquals(stalledAt, sentToA.get(), "A stayed stalled meanwhile");

        // A's reader wakes up: every byte arrives
        assertArrayEquals(bulk, stalled.getInputStream().readNBytes(bulk.length));
        sender.join();
    }

    @Test
    void theWindowGrowsForABulkStream() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        final Socket user = rig.connect(address);
        final int tunnel = relay.nextOpen().tunnel();
        relay.opened(tunnel);
        final byte[] bulk = random(64 * 1024 * 1024, 5);
        final long[] widest = new long[1];
        final Thread sender = new Thread(() -> {
            long credit = Frames.INITIAL_WINDOW;
            int sent = 0;
            try {
                while (sent < bulk.length) {
                    FakeMuxRelay.Frame frame;
                    while ((frame = credit == 0 ? relay.next(tunnel) : relay.poll(tunnel, 0)) != null) {
                        credit += Payloads.credit(frame.buffer());
                    }
                    widest[0] = Math.max(widest[0], credit);
                    final int chunk = (int) Math.min(Math.min(credit, 65_536), bulk.length - sent);
                    relay.data(tunnel, Arrays.copyOfRange(bulk, sent, sent + chunk));
                    sent += chunk;
                    credit -= chunk;
                }
            } catch (final Exception failed) {
                throw new AssertionError(failed);
            }
        });
        sender.start();
        assertArrayEquals(bulk, user.getInputStream().readNBytes(bulk.length));
        sender.join();
        System.out.println("widest credit " + widest[0]);
        assertTrue(widest[0] >= 1024 * 1024, "the credit never went past " + widest[0] + " bytes");
        assertTrue(widest[0] <= 16 * 1024 * 1024, "the credit went past 16 MiB: " + widest[0]);
    }

    @Test
    void theProxyPingsAndDropsASilentRelay() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer first = rig.relay.nextConnection();
        final Socket user = rig.connect(address);
        first.opened(first.nextOpen().tunnel());
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MuxRig.WAIT_SECONDS);
        while (first.pings.get() < 3) {
            assertTrue(System.nanoTime() < deadline, "no PING every heartbeat");
            Thread.sleep(100);
        }
        // the relay goes silent: no PONG, nothing: the proxy gives the connection up after the peer timeout
        rig.relay.answerPings = false;
        rig.nextLine("no frame from the relay for 4 s");
        assertThrows(SocketException.class, () -> user.getInputStream().read(), "the tunnel was reset");
        rig.relay.answerPings = true;
        final FakeMuxRelay.Peer second = rig.relay.nextConnection();
        final Socket again = rig.connect(address);
        final int tunnel = second.nextOpen().tunnel();
        second.opened(tunnel);
        second.data(tunnel, "back".getBytes(StandardCharsets.US_ASCII));
        assertEquals("back", new String(again.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
    }

    @Test
    void aLostConnectionResetsEveryTunnelAndTheProxyReconnects() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer first = rig.relay.nextConnection();
        final Socket[] users = new Socket[3];
        for (int i = 0; i < users.length; i++) {
            users[i] = rig.connect(address);
            first.opened(first.nextOpen().tunnel());
        }
        first.close(1001);
        for (final Socket user : users) {
            assertThrows(SocketException.class, () -> user.getInputStream().read(), "reset, not ended");
        }
        rig.nextLine("lost");
        final FakeMuxRelay.Peer second = rig.relay.nextConnection();
        final Socket user = rig.connect(address);
        final FakeMuxRelay.Frame open = second.nextOpen();
        assertEquals(1, open.tunnel(), "a new connection numbers its tunnels from 1");
        second.opened(open.tunnel());
        user.getOutputStream().write("again".getBytes(StandardCharsets.US_ASCII));
        assertEquals("again", second.expect(open.tunnel(), FrameType.DATA).text());
    }

    @Test
    void onGoawayNewTunnelsGoOnANewConnectionWhileOpenOnesFinish() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer old = rig.relay.nextConnection();
        final Socket before = rig.connect(address);
        final int a = old.nextOpen().tunnel();
        old.opened(a);
        old.goaway("relay stopping");
        final FakeMuxRelay.Peer fresh = rig.relay.nextConnection();
        final Socket after = rig.connect(address);
        final int b = fresh.nextOpen().tunnel();
        fresh.opened(b);
        after.getOutputStream().write("new".getBytes(StandardCharsets.US_ASCII));
        assertEquals("new", fresh.expect(b, FrameType.DATA).text());

        // the old tunnel still works on the old connection, and ends there
        before.getOutputStream().write("old".getBytes(StandardCharsets.US_ASCII));
        assertEquals("old", old.expect(a, FrameType.DATA).text());
        before.shutdownOutput();
        old.expect(a, FrameType.END);
        old.end(a);
        assertEquals(-1, before.getInputStream().read());
        final String close = old.closes.poll(MuxRig.WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(close.startsWith("1000 "), "the proxy closes the old connection normally once its last tunnel"
                + " ended: " + close);
        assertTrue(fresh.isOpen());
    }

    @Test
    void autoFallsBackToFourStreamWhenThePathRefusesTheUpgrade() throws Exception {
        for (final int status : new int[] {426, 405}) {
            try (MuxRig other = new MuxRig(dir.resolve("relay-" + status))) {
                other.relay.refuseStatus = status;
                final InetSocketAddress address = other.client(MuxRig.AUTO);
                final String line = other.nextLine("transport four-stream");
                assertTrue(line.contains("HTTP " + status), line);
                final Socket user = other.connect(address);
                user.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
                // four-stream: the connect POST reaches the (fake, four-stream-less) relay, which says 404
                other.nextLine("refused: HTTP 404");
                assertTrue(other.relay.requests.contains("POST /relay/v1/office/connect/echo"),
                        String.valueOf(other.relay.requests));
            }
        }
    }

    @Test
    void autoTriesMuxAgainAfterFallingBackAndNewTunnelsGoBackToIt() throws Exception {
        rig.relay.refuseStatus = 426;
        rig.renewAfter = Duration.ofSeconds(3); // the fallback lasts this long before mux is tried again
        final InetSocketAddress address = rig.client(MuxRig.AUTO);
        final String line = rig.nextLine("transport four-stream");
        assertTrue(line.contains("HTTP 426") && line.contains("trying mux again in 3 s"), line);
        // the path passes WebSocket now (the front was fixed): the proxy finds out by itself
        rig.relay.refuseStatus = 0;
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        rig.nextLine("transport mux: connected");
        // the proxy's first PING follows the moment new tunnels go on the connection
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MuxRig.WAIT_SECONDS);
        while (relay.pings.get() == 0) {
            assertTrue(System.nanoTime() < deadline, "no PING on the new connection");
            Thread.sleep(10);
        }
        final Socket user = rig.connect(address);
        user.getOutputStream().write("back".getBytes(StandardCharsets.US_ASCII));
        final FakeMuxRelay.Frame open = relay.nextOpen();
        assertEquals("echo", Payloads.open(open.buffer()).port());
        assertTrue(rig.relay.requests.stream().noneMatch(r -> r.contains("/connect/")),
                "the connection went to four-stream: " + rig.relay.requests);
    }

    @Test
    void aRejectedKeyIsNoReasonToFallBack() throws Exception {
        final MuxTransport.Relay wrongKey = new MuxTransport.Relay(
                org.ptth.proxy.relayclient.RelayAddress.parse(rig.relay.baseUrl()), org.ptth.proxy.key.KeyFile.generateKey(),
                null, org.ptth.proxy.relayclient.HttpProxySetting.DIRECT);
        rig.client(MuxRig.AUTO, wrongKey);
        final String line = rig.nextLine("relay rejects this client proxy");
        assertTrue(line.contains("HTTP 401: unknown key"), line);
        // it keeps trying the upgrade: the transport was not decided by a refused key
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MuxRig.WAIT_SECONDS);
        while (rig.relay.upgrades.size() < 2) {
            assertTrue(System.nanoTime() < deadline, "no second upgrade: " + rig.relay.upgrades);
            Thread.sleep(50);
        }
        assertTrue(rig.log.stream().noneMatch(logged -> logged.contains("transport four-stream")), rig.log.toString());
    }

    @Test
    void inMuxModeAConnectionWhileTheRelayIsDownIsResetWithTheReason() throws Exception {
        rig.relay.refuseStatus = 503;
        rig.relay.refuseReason = "relay overloaded";
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MuxRig.WAIT_SECONDS);
        while (rig.relay.upgrades.isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "no upgrade request");
            Thread.sleep(10);
        }
        final Socket user = rig.connect(address);
        assertThrows(SocketException.class, () -> user.getInputStream().read());
        final String line = rig.nextLine("failed:");
        assertTrue(line.matches("connection from /127\\.0\\.0\\.1:\\d+ to office/echo failed: relay unreachable:"
                + " HTTP 503: relay overloaded"), line);
    }

    @Test
    void inMuxModeAConnectionWaitsForAConnectionBeingMade() throws Exception {
        final java.util.concurrent.CountDownLatch upgrade = new java.util.concurrent.CountDownLatch(1);
        rig.relay.holdUpgrades = upgrade;
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final Socket user = rig.connect(address);
        upgrade.countDown();
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        final int tunnel = relay.nextOpen().tunnel();
        relay.opened(tunnel);
        relay.data(tunnel, "late".getBytes(StandardCharsets.US_ASCII));
        assertEquals("late", new String(user.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
    }

    // --- the relay's side of a direction, as the test plays it ---

    /** The next DATA of a tunnel; CREDIT before it (a quiet tunnel's grant) is skipped. */
    static FakeMuxRelay.Frame nextData(final FakeMuxRelay.Peer relay, final int tunnel) throws Exception {
        while (true) {
            final FakeMuxRelay.Frame frame = relay.next(tunnel);
            if (frame.type() != FrameType.CREDIT) {
                assertEquals(FrameType.DATA, frame.type(), frame.text());
                return frame;
            }
        }
    }

    /** Sends {@code bytes} as DATA, never more than the credit the proxy has granted. */
    static void sendWithinCredit(final FakeMuxRelay.Peer relay, final int tunnel, final byte[] bytes) {
        long credit = Frames.INITIAL_WINDOW;
        int sent = 0;
        try {
            while (sent < bytes.length) {
                while (credit == 0) {
                    final FakeMuxRelay.Frame frame = relay.expect(tunnel, FrameType.CREDIT);
                    credit += Payloads.credit(frame.buffer());
                }
                final int chunk = (int) Math.min(Math.min(credit, 16_384), bytes.length - sent);
                relay.data(tunnel, Arrays.copyOfRange(bytes, sent, sent + chunk));
                sent += chunk;
                credit -= chunk;
            }
        } catch (final Exception failed) {
            throw new AssertionError(failed);
        }
    }

    /**
     * Collects {@code length} bytes of DATA, granting {@code grant} more credit each time the proxy
     * has used half of what it had, and fails if the proxy ever sends past its credit.
     */
    static byte[] receiveGranting(final FakeMuxRelay.Peer relay, final int tunnel, final int length, final int grant)
            throws Exception {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        long granted = Frames.INITIAL_WINDOW;
        while (got.size() < length) {
            final FakeMuxRelay.Frame frame = relay.next(tunnel);
            if (frame.type() == FrameType.CREDIT) {
                continue;
            }
            assertEquals(FrameType.DATA, frame.type(), frame.text());
            got.write(frame.payload());
            assertTrue(got.size() <= granted, "the proxy sent " + got.size() + " bytes with " + granted + " of credit");
            if (granted - got.size() < grant / 2) {
                relay.credit(tunnel, grant);
                granted += grant;
            }
        }
        return got.toByteArray();
    }

    /** Collects DATA until END, granting credit generously. */
    static byte[] receiveUntilEnd(final FakeMuxRelay.Peer relay, final int tunnel) throws Exception {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            final FakeMuxRelay.Frame frame = relay.next(tunnel);
            switch (frame.type()) {
                case DATA:
                    got.write(frame.payload());
                    relay.credit(tunnel, frame.payload().length);
                    break;
                case END:
                    return got.toByteArray();
                case CREDIT:
                    break;
                default:
                    throw new AssertionError("unexpected " + frame.type() + ": " + frame.text());
            }
        }
    }

    static byte[] random(final int length, final long seed) {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }


}
