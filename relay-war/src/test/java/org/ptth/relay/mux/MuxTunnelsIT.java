package org.ptth.relay.mux;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.Payloads;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.MuxClient;
import org.ptth.relay.support.MuxClient.Frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;
import static org.ptth.relay.support.MuxClient.data;
import static org.ptth.relay.support.MuxClient.end;
import static org.ptth.relay.support.MuxClient.listen;
import static org.ptth.relay.support.MuxClient.opened;

/**
 * Tunnels between a mux client and a mux server through the relay in an embedded Tomcat, both
 * proxies played by {@link MuxClient}: setup, every byte both ways, half-close each way, abort,
 * and each refusal.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MuxTunnelsIT {
    private static EmbeddedRelay relay;
    private final List<MuxClient> connections = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        relay = new EmbeddedRelay("connect.wait=1s\naccept.timeout=1s\nclient.narrow.key-sha256="
                + org.ptth.relay.auth.KeyHashes.sha256Hex(NARROW_KEY) + "\nclient.narrow.allow=srv/ssh\n");
    }

    static final String NARROW_KEY = "9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544";

    @AfterAll
    static void stop() throws Exception {
        relay.close();
    }

    @AfterEach
    void closeConnections() {
        connections.forEach(MuxClient::close);
    }

    private MuxClient connect(final String server, final String key) throws Exception {
        final MuxClient c = MuxClient.connect(relay.baseUrl(), server, key);
        connections.add(c);
        return c;
    }

    /** A server connection of srv listening on the ports. */
    private MuxClient server(final String... ports) throws Exception {
        final MuxClient s = connect("srv", SERVER_KEY);
        s.send(listen(ports));
        return s;
    }

    /** The OPEN the server receives: its number there, port, label and first bytes. */
    private record Offer(int number, Payloads.Open open, byte[] first) {
    }

    private static Offer offer(final MuxClient server) throws Exception {
        final Frame f = server.nextSkipping(java.util.Set.of(FrameType.PONG));
        assertEquals(FrameType.OPEN, f.type(), "got " + f);
        final Payloads.Open open = Payloads.open(ByteBuffer.wrap(f.payload()));
        final byte[] first = new byte[open.firstBytes().remaining()];
        open.firstBytes().get(first);
        return new Offer(f.tunnel(), open, first);
    }

    /** Nothing but frames of {@code allowed} comes for a while. */
    static void assertNoFrameBut(final MuxClient c, final FrameType allowed) throws InterruptedException {
        for (Frame f = c.poll(300); f != null; f = c.poll(300)) {
            assertEquals(allowed, f.type(), "unexpected " + f);
        }
    }

    private static byte[] random(final int n, final long seed) {
        final byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aTunnelOpensCarriesEveryByteBothWaysAndEndsWithEndBothWays() throws Exception {
        final MuxClient server = server("ssh", "web").autoCredit();
        final MuxClient client = connect("srv", CLIENT_KEY).autoCredit();
        final byte[] hello = "SSH-2.0-client\r\n".getBytes(StandardCharsets.US_ASCII);
        client.open(7, "ssh", hello);

        final Offer offer = offer(server);
        assertEquals("ssh", offer.open().port());
        assertTrue(offer.open().label().startsWith("cli from 127.0.0.1"), offer.open().label());
        assertArrayEquals(hello, offer.first());
        server.send(opened(offer.number()));
        client.expect(FrameType.OPENED, 7);

        final byte[] up = random(1_000_000, 1);
        final byte[] down = random(700_001, 2);
        final Thread uploader = new Thread(() -> {
            try {
                client.sendData(7, up);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        uploader.start();
        server.sendData(offer.number(), down);
        server.expectData(offer.number(), up);
        client.expectData(7, down);
        uploader.join();

        // half-close: the client's direction ends, the server still answers, then ends too
        client.send(end(7));
        server.expect(FrameType.END, offer.number());
        final byte[] last = "the reply after the half-close".getBytes(StandardCharsets.US_ASCII);
        server.send(data(offer.number(), last), end(offer.number()));
        client.expectData(7, last);
        client.expect(FrameType.END, 7);
        // over: a frame for the ended tunnel is ignored, and nothing more comes
        client.send(data(7, new byte[] {1}));
        assertNoFrameBut(server, FrameType.CREDIT);
    }

    @Test
    void theServerEndsFirstAndTheClientStillSendsItsRest() throws Exception {
        final MuxClient server = server("ssh");
        final MuxClient client = connect("srv", CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        final Offer offer = offer(server);
        server.send(opened(offer.number()), end(offer.number()));
        client.expect(FrameType.OPENED, 1);
        client.expect(FrameType.END, 1);
        final byte[] rest = random(5000, 3);
        client.send(data(1, rest), end(1));
        server.expectData(offer.number(), rest);
        server.expect(FrameType.END, offer.number());
    }

    @Test
    void anAbortReachesTheOtherSideWithItsReason() throws Exception {
        final MuxClient server = server("ssh");
        final MuxClient client = connect("srv", CLIENT_KEY);
        client.open(3, "ssh", new byte[0]);
        final Offer offer = offer(server);
        server.send(opened(offer.number()));
        client.expect(FrameType.OPENED, 3);
        server.send(MuxClient.abort(offer.number(), "connection reset by target"));
        final Frame abort = client.expect(FrameType.ABORT, 3);
        assertEquals("connection reset by target", abort.text());
    }

    @Test
    void noServerIsRefused404AfterTheConnectWait() throws Exception {
        final MuxClient client = connect("srv", CLIENT_KEY);
        final long start = System.nanoTime();
        client.open(1, "nobody-listens", "x".getBytes(StandardCharsets.US_ASCII));
        final Frame refuse = client.expect(FrameType.REFUSE, 1);
        assertEquals(404, refuse.status());
        assertEquals("no such server or port online", refuse.text());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(900), "after connect.wait");
    }

    @Test
    void aTargetNotAllowedIsRefusedTheSameWay() throws Exception {
        final MuxClient server = server("ssh", "db");
        final MuxClient narrow = connect("srv", NARROW_KEY);
        narrow.open(1, "db", new byte[0]);
        final Frame refuse = narrow.expect(FrameType.REFUSE, 1);
        assertEquals(404, refuse.status());
        assertEquals("no such server or port online", refuse.text());
        assertNull(server.poll(300), "the server never hears of it");
    }

    @Test
    void aServerThatRefusesIsReported502WithItsReason() throws Exception {
        final MuxClient server = server("ssh");
        final MuxClient client = connect("srv", CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        final Offer offer = offer(server);
        server.send(MuxClient.refuse(offer.number(), 502, "connect to 127.0.0.1:22: refused"));
        final Frame refuse = client.expect(FrameType.REFUSE, 1);
        assertEquals(502, refuse.status());
        assertEquals("target refused by server proxy: connect to 127.0.0.1:22: refused", refuse.text());
    }

    @Test
    void aServerThatDoesNotAnswerIsAbortedAndTheClientRefused502() throws Exception {
        final MuxClient server = server("ssh");
        final MuxClient client = connect("srv", CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        final Offer offer = offer(server);
        final Frame refuse = client.expect(FrameType.REFUSE, 1);
        assertEquals(502, refuse.status());
        assertEquals("server proxy did not accept the connection in time", refuse.text());
        server.expect(FrameType.ABORT, offer.number());
    }

    @Test
    void anOpenWaitsForTheServersListenWithinTheConnectWait() throws Exception {
        final MuxClient client = connect("srv", CLIENT_KEY);
        client.open(1, "late", "early bytes".getBytes(StandardCharsets.US_ASCII));
        final MuxClient server = server("late");
        final Offer offer = offer(server);
        assertArrayEquals("early bytes".getBytes(StandardCharsets.US_ASCII), offer.first());
        server.send(opened(offer.number()));
        client.expect(FrameType.OPENED, 1);
    }

    @Test
    void dataSentBeforeOpenedIsHeldAndForwardedInOrder() throws Exception {
        final MuxClient client = connect("srv", CLIENT_KEY);
        final byte[] early = random(Frames.INITIAL_WINDOW, 9);
        client.open(5, "held", java.util.Arrays.copyOf(early, 1000));
        client.send(data(5, java.util.Arrays.copyOfRange(early, 1000, 40_000)));
        client.send(data(5, java.util.Arrays.copyOfRange(early, 40_000, early.length)));
        final MuxClient server = server("held");
        final Offer offer = offer(server);
        final java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        got.writeBytes(offer.first());
        while (got.size() < early.length) {
            got.writeBytes(server.expect(FrameType.DATA, offer.number()).payload());
        }
        assertArrayEquals(early, got.toByteArray());
    }
}
