package org.ptth.proxy.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Payloads;
import org.ptth.proxy.server.Exposure;

/**
 * Renewal of a mux connection once it reaches its age (--renew-after), against a fake relay played
 * frame by frame: the new connection is up and has named its ports before the old one hears GOAWAY,
 * the old one's tunnels go on until they end, and a renewal that fails leaves the old one in charge.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LinkRenewalTest {

    /** Short, so that the test sees a renewal soon; the heartbeat (1 s) and peer timeout (4 s) are MuxRig's. */
    private static final Duration RENEW_AFTER = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    private MuxRig rig;
    private MuxRig.Target target;

    @BeforeEach
    void start() throws Exception {
        rig = new MuxRig(dir);
        rig.renewAfter = RENEW_AFTER;
        target = rig.target();
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private Exposure echo() {
        return target.exposure("echo");
    }

    /** The relay's side opens a tunnel to echo on {@code relay} and checks that the target got it. */
    private Socket openTunnel(final FakeMuxRelay.Peer relay, final int number) throws Exception {
        relay.open(number, "echo", "test", new byte[0]);
        final Socket service = target.next();
        relay.expect(number, FrameType.OPENED);
        return service;
    }

    /** A server proxy's two connections while a renewal waits: both sent LISTEN, the new one's PING is unanswered. */
    private record Renewal(FakeMuxRelay.Peer first, FakeMuxRelay.Peer second) {
    }

    /** A server proxy on mux exposing echo, renewing its connection; the relay answers no PING until told. */
    private Renewal renewalAwaitingItsPong() throws Exception {
        rig.server(MuxRig.MUX, List.of(echo()));
        final FakeMuxRelay.Peer first = rig.relay.nextConnection();
        first.expect(0, FrameType.LISTEN);
        rig.relay.answerPings = false;
        final FakeMuxRelay.Peer second = rig.relay.nextConnection();
        second.expect(0, FrameType.LISTEN);
        return new Renewal(first, second);
    }

    private static void dataBothWays(final FakeMuxRelay.Peer relay, final int number, final Socket service,
                                     final String text) throws Exception {
        final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        relay.data(number, bytes);
        assertEquals(text, new String(service.getInputStream().readNBytes(bytes.length), StandardCharsets.US_ASCII));
        service.getOutputStream().write(bytes);
        FakeMuxRelay.Frame frame;
        do {
            frame = relay.next(number); // the proxy's grants come on the same tunnel
        } while (frame.type() == FrameType.CREDIT);
        assertEquals(FrameType.DATA, frame.type(), frame.text());
        assertEquals(text, frame.text());
    }

    @Test
    void aServerConnectionIsReplacedOnlyOnceTheNewOneIsUpAndTheOldOnesTunnelsGoOn() throws Exception {
        rig.server(MuxRig.MUX, List.of(echo()));
        final FakeMuxRelay.Peer first = rig.relay.nextConnection();
        assertEquals(List.of("echo"), Payloads.ports(first.expect(0, FrameType.LISTEN).buffer()));
        // the relay does not answer the new connection's PING yet: it may not have read its LISTEN
        rig.relay.answerPings = false;
        final Socket service = openTunnel(first, 3);
        final FakeMuxRelay.Peer second = rig.relay.nextConnection();
        assertEquals(List.of("echo"), Payloads.ports(second.expect(0, FrameType.LISTEN).buffer()));
        assertNull(first.poll(0, 1_500), "the old connection heard something before the new one was answered");
        rig.relay.answerPings = true;
        second.pong(second.lastPing);

        final FakeMuxRelay.Frame goaway = first.expect(0, FrameType.GOAWAY);
        assertTrue(goaway.text().startsWith("renewed"), goaway.text());
        rig.nextLine("connection 2 renews connection 1 (1 open tunnels finish there)");

        // the old connection's tunnel goes on, and an OPEN the relay sent before it read the GOAWAY is served
        dataBothWays(first, 3, service, "still flowing");
        final Socket late = openTunnel(first, 4);
        dataBothWays(first, 4, late, "late but served");
        // new tunnels come on the new connection
        final Socket fresh = openTunnel(second, 1);
        dataBothWays(second, 1, fresh, "on the new one");

        // once its last tunnel has ended, the old connection closes normally
        first.abort(3, "done");
        first.abort(4, "done");
        final String closed = first.closes.poll(MuxRig.WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(closed != null && closed.startsWith("1000"), "the old connection's close: " + closed);
        assertTrue(second.isOpen());
    }

    @Test
    void aReplacedConnectionSendsItsLastTunnelsEndBeforeItCloses() throws Exception {
        rig.server(MuxRig.MUX, List.of(echo()));
        final FakeMuxRelay.Peer first = rig.relay.nextConnection();
        first.expect(0, FrameType.LISTEN);
        final Socket service = openTunnel(first, 1);
        rig.relay.nextConnection().expect(0, FrameType.LISTEN);
        first.expect(0, FrameType.GOAWAY);
        // the tunnel ends cleanly both ways: the connection's last frame is its END, then the close
        first.end(1);
        assertEquals(-1, service.getInputStream().read());
        service.shutdownOutput();
        FakeMuxRelay.Frame last;
        do {
            last = first.next(1);
        } while (last.type() == FrameType.CREDIT);
        assertEquals(FrameType.END, last.type(), last.text());
        final String closed = first.closes.poll(MuxRig.WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(closed != null && closed.startsWith("1000"), "the old connection's close: " + closed);
    }

    @Test
    void aReplacedConnectionWithNoTunnelStaysUntilTheRelayAnswersAPingSentAfterItsGoaway() throws Exception {
        final Renewal renewal = renewalAwaitingItsPong();
        final FakeMuxRelay.Peer first = renewal.first();
        final FakeMuxRelay.Peer second = renewal.second();
        second.pong(second.lastPing);
        first.expect(0, FrameType.GOAWAY);
        // the relay has not read the GOAWAY yet (the PING after it is unanswered): an OPEN it routed
        // to the old connection meanwhile is served there, not refused by a connection gone
        final Socket late = openTunnel(first, 7);
        dataBothWays(first, 7, late, "routed before the relay read the GOAWAY");
        first.abort(7, "done");
        assertNull(first.closes.poll(1_000, TimeUnit.MILLISECONDS),
                "closed with no tunnel left before the relay answered the PING sent after the GOAWAY");
        first.pong(first.pingAfterGoaway);
        final String closed = first.closes.poll(MuxRig.WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(closed != null && closed.startsWith("1000"), "the old connection's close: " + closed);
    }

    @Test
    void aRenewalTheRelayRefusesLeavesTheOldConnectionInCharge() throws Exception {
        rig.server(MuxRig.MUX, List.of(echo()));
        final FakeMuxRelay.Peer first = rig.relay.nextConnection();
        first.expect(0, FrameType.LISTEN);
        rig.relay.refuseStatus = 503;
        rig.nextLine("renewing mux connection 1 failed: ");
        // still the one that serves: no GOAWAY, and a new tunnel is accepted on it
        final Socket service = openTunnel(first, 1);
        dataBothWays(first, 1, service, "kept");
        assertTrue(first.pending().stream().noneMatch(f -> f.type() == FrameType.GOAWAY), first.pending().toString());

        rig.relay.refuseStatus = 0;
        final FakeMuxRelay.Peer second = rig.relay.nextConnection();
        second.expect(0, FrameType.LISTEN);
        first.expect(0, FrameType.GOAWAY);
        dataBothWays(first, 1, service, "and still flowing");
    }

    @Test
    void aNewConnectionLostBeforeItTookOverLeavesTheOldOneInCharge() throws Exception {
        final Renewal renewal = renewalAwaitingItsPong();
        final FakeMuxRelay.Peer first = renewal.first();
        final FakeMuxRelay.Peer second = renewal.second();
        second.close(1011);
        rig.nextLine("mux connection 2 lost before it took over from connection 1");
        rig.relay.answerPings = true;
        first.pong(first.lastPing);

        final Socket service = openTunnel(first, 1);
        dataBothWays(first, 1, service, "the old one serves");
        // it named its ports again as it took over once more; the next renewal replaces it
        first.expect(0, FrameType.LISTEN);
        final FakeMuxRelay.Peer third = rig.relay.nextConnection();
        third.expect(0, FrameType.LISTEN);
        first.expect(0, FrameType.GOAWAY);
    }

    @Test
    void aRenewalCutShortByTheRelaysGoawayDoesNotStopTheNextRenewals() throws Exception {
        // the relay begins to stop while a renewal waits for its answer: GOAWAY on both connections
        final Renewal renewal = renewalAwaitingItsPong();
        final FakeMuxRelay.Peer first = renewal.first();
        final FakeMuxRelay.Peer second = renewal.second();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MuxRig.WAIT_SECONDS);
        while (second.pings.get() == 0) {
            assertTrue(System.nanoTime() < deadline, "the new connection sent no PING");
            Thread.sleep(10);
        }
        rig.relay.answerPings = true;
        second.goaway("relay stopping");
        first.goaway("relay stopping");
        final FakeMuxRelay.Peer third = rig.relay.nextConnection();
        third.expect(0, FrameType.LISTEN);
        // the connection made after the GOAWAY is renewed in its turn, and again
        final FakeMuxRelay.Peer fourth = rig.relay.nextConnection();
        fourth.expect(0, FrameType.LISTEN);
        third.expect(0, FrameType.GOAWAY);
        rig.relay.nextConnection().expect(0, FrameType.LISTEN);
        fourth.expect(0, FrameType.GOAWAY);
    }

    @Test
    void aTunnelOverAtTheRelayWritesWhatItHoldsWhenTheRelayThenClosesTheConnection() throws Exception {
        rig.renewAfter = Duration.ZERO;
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
        final Socket user = new Socket();
        user.setReceiveBufferSize(4096);
        user.connect(address);
        user.setSoTimeout(MuxRig.WAIT_SECONDS * 1000);
        user.getOutputStream().write('q');
        user.shutdownOutput();
        final FakeMuxRelay.Frame open = relay.nextOpen();
        final int tunnel = open.tunnel();
        relay.opened(tunnel);
        // the 'q' rides in the OPEN if it reached the proxy first, else in a DATA before the END
        final String up = StandardCharsets.US_ASCII.decode(Payloads.open(open.buffer()).firstBytes())
                + new String(MuxClientTest.receiveUntilEnd(relay, tunnel), StandardCharsets.US_ASCII);
        assertEquals("q", up);
        // the user reads nothing yet: send what the proxy grants until it grants no more, so that the
        // proxy holds bytes its socket has not taken
        final java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
        long credit = org.ptth.protocol.mux.Frames.INITIAL_WINDOW;
        int seed = 0;
        while (true) {
            while (credit > 0) {
                final byte[] chunk = MuxClientTest.random((int) Math.min(credit, 16_384), ++seed);
                relay.data(tunnel, chunk);
                sent.writeBytes(chunk);
                credit -= chunk.length;
            }
            final FakeMuxRelay.Frame more = relay.poll(tunnel, 1_000);
            if (more == null) {
                break;
            }
            assertEquals(FrameType.CREDIT, more.type(), more.text());
            credit += Payloads.credit(more.buffer());
        }
        // the tunnel is over at the relay, which closes the connection the proxy had said GOAWAY on
        relay.end(tunnel);
        relay.close(1000);
        final byte[] got = user.getInputStream().readAllBytes();
        assertEquals(sent.size(), got.length, "every byte, then the end of stream (no reset)");
        org.junit.jupiter.api.Assertions.assertArrayEquals(sent.toByteArray(), got);
    }

    @Test
    void aClientConnectionIsRenewedAndNewTunnelsGoOnTheNewOne() throws Exception {
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        final FakeMuxRelay.Peer first = rig.relay.nextConnection();
        final Socket user = rig.connect(address);
        user.getOutputStream().write("one".getBytes(StandardCharsets.US_ASCII));
        final FakeMuxRelay.Frame open = first.nextOpen();
        first.opened(open.tunnel());

        final FakeMuxRelay.Peer second = rig.relay.nextConnection();
        first.expect(0, FrameType.GOAWAY);
        final Socket later = rig.connect(address);
        later.getOutputStream().write("two".getBytes(StandardCharsets.US_ASCII));
        assertEquals("echo", Payloads.open(second.nextOpen().buffer()).port());
        assertTrue(first.opens.isEmpty(), "a new tunnel went on the old connection");

        // the first tunnel still carries data on the old connection
        first.data(open.tunnel(), "back".getBytes(StandardCharsets.US_ASCII));
        assertEquals("back", new String(user.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
    }
}
