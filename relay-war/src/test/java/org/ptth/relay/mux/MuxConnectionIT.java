package org.ptth.relay.mux;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.relay.support.RawHttp;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.MuxClient;
import org.ptth.relay.support.RawWebSocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.OTHER_SERVER_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;
import static org.ptth.relay.support.MuxClient.listen;
import static org.ptth.relay.support.MuxClient.opened;

/**
 * The mux connection itself, on the relay in an embedded Tomcat: the upgrade and each refusal of
 * it, heartbeats, the protocol errors that close it, WebSocket details (fragments, control frames
 * between them), the loss of a connection, and the peer timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MuxConnectionIT {
    private static EmbeddedRelay relay;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        relay = new EmbeddedRelay("connect.wait=2s\naccept.timeout=2s\n");
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
    }

    @AfterEach
    void closeConnections() throws Exception {
        for (final AutoCloseable c : opened) {
            c.close();
        }
    }

    private MuxClient connect(final String server, final String key) throws Exception {
        final MuxClient c = MuxClient.connect(relay.baseUrl(), server, key);
        opened.add(c);
        return c;
    }

    private RawWebSocket raw(final String key) throws Exception {
        final RawWebSocket ws = RawWebSocket.upgrade(relay.port(), "/relay/v1/srv/mux", key);
        opened.add(ws);
        return ws;
    }

    // ---- the upgrade

    @Test
    void theUpgradeAnswers101WithTheAcceptKeyAndTheSubprotocol() throws Exception {
        final RawWebSocket ws = raw(CLIENT_KEY);
        assertEquals(101, ws.status());
        assertEquals("websocket", ws.header("Upgrade").toLowerCase());
        assertEquals("upgrade", ws.header("Connection").toLowerCase());
        // RFC 6455 4.2.2: base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)); the RFC's own example
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ws.header("Sec-WebSocket-Accept"));
        assertEquals(Frames.SUBPROTOCOL, ws.header("Sec-WebSocket-Protocol"));
    }

    @Test
    void aMissingOrUnknownKeyIs401() throws Exception {
        for (final String key : new String[] {null, "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"}) {
            final MuxClient.Refusal r = MuxClient.refused(relay.baseUrl(), "srv", key);
            assertEquals(401, r.status(), String.valueOf(r));
            assertEquals(List.of("missing or unknown key"), r.headers().get("ptth-reason"));
            assertTrue(r.headers().containsKey("www-authenticate"));
        }
    }

    @Test
    void aServerKeyForAnotherServerIs403AndAClientKeyMayNameAnyServer() throws Exception {
        final MuxClient.Refusal r = MuxClient.refused(relay.baseUrl(), "srv", OTHER_SERVER_KEY);
        assertEquals(403, r.status());
        assertEquals(List.of("this key belongs to another server"), r.headers().get("ptth-reason"));
        connect("no-such-server", CLIENT_KEY).send(MuxClient.ping(1));
    }

    @Test
    void aGetWithoutTheUpgradeIs426WithAReasonThatSaysWhy() throws Exception {
        final RawHttp.Response a = RawHttp.call(new java.net.URL(relay.baseUrl()), "GET", "/relay/v1/srv/mux", CLIENT_KEY);
        assertEquals(426, a.status(), a.toString());
        assertEquals("websocket", a.header("Upgrade"));
        assertTrue(a.header("Ptth-Reason").contains("WebSocket"), a.toString());
        assertTrue(a.body().contains("four-stream"), a.body());
    }

    @Test
    void aHandshakeWithoutTheSubprotocolIs400() throws Exception {
        final String head = RawWebSocket.handshake(relay.port(), "/relay/v1/srv/mux", CLIENT_KEY)
                .replace("Sec-WebSocket-Protocol: ptth-mux-1\r\n", "");
        try (RawWebSocket ws = RawWebSocket.connect(relay.port())) {
            ws.sendRaw(head.getBytes(StandardCharsets.US_ASCII));
            ws.readHead();
            assertEquals(400, ws.status());
            assertTrue(ws.header("Ptth-Reason").contains("ptth-mux-1"), ws.header("Ptth-Reason"));
        }
    }

    @Test
    void aPostToTheMuxEndpointIs405() throws Exception {
        final RawHttp.Response a = RawHttp.call(new java.net.URL(relay.baseUrl()), "POST", "/relay/v1/srv/mux", CLIENT_KEY);
        assertEquals(405, a.status());
        assertEquals("GET", a.header("Allow"));
    }

    @Test
    void aPrincipalPastItsConnectionLimitIs429UntilOneCloses() throws Exception {
        try (EmbeddedRelay limited = new EmbeddedRelay("limit.mux-connections-per-principal=2\n")) {
            final MuxClient first = MuxClient.connect(limited.baseUrl(), "srv", CLIENT_KEY);
            final MuxClient second = MuxClient.connect(limited.baseUrl(), "srv", CLIENT_KEY);
            final MuxClient.Refusal r = MuxClient.refused(limited.baseUrl(), "srv", CLIENT_KEY);
            assertEquals(429, r.status());
            assertEquals(List.of("too many mux connections for client cli"), r.headers().get("ptth-reason"));
            assertTrue(r.headers().containsKey("retry-after"));
            // another principal is not concerned
            MuxClient.connect(limited.baseUrl(), "srv", SERVER_KEY).close();
            first.closeNormally();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            MuxClient third = null;
            while (third == null) {
                try {
                    third = MuxClient.connect(limited.baseUrl(), "srv", CLIENT_KEY);
                } catch (final Exception stillCounted) {
                    assertTrue(System.nanoTime() < deadline, "the closed connection is still counted");
                    Thread.sleep(100);
                }
            }
            third.close();
            second.close();
        }
    }

    // ---- heartbeats and WebSocket details

    @Test
    void aPingIsAnsweredWithAPongOfTheSameBytes() throws Exception {
        final MuxClient c = connect("srv", CLIENT_KEY);
        c.send(MuxClient.ping(0x0123456789abcdefL), MuxClient.ping(42));
        final MuxClient.Frame first = c.next();
        assertEquals(FrameType.PONG, first.type());
        assertEquals(0x0123456789abcdefL, ByteBuffer.wrap(first.payload()).getLong());
        assertEquals(42, ByteBuffer.wrap(c.next().payload()).getLong());
    }

    @Test
    void aFragmentedMessageWithControlFramesBetweenItsPartsIsReadWhole() throws Exception {
        final MuxClient server = connect("srv", SERVER_KEY);
        server.send(listen("frag"));
        final RawWebSocket client = raw(CLIENT_KEY);
        final byte[] open = MuxClient.openFrame(9, "frag", "first bytes".getBytes(StandardCharsets.US_ASCII));
        final byte[] ping = MuxClient.ping(77);
        final byte[] message = new byte[open.length + ping.length];
        System.arraycopy(open, 0, message, 0, open.length);
        System.arraycopy(ping, 0, message, open.length, ping.length);
        // three fragments, cut inside the OPEN's header and inside the mux PING, with a WebSocket
        // ping between the first two and a pong between the last two
        client.sendFrame(false, RawWebSocket.OP_BINARY, java.util.Arrays.copyOfRange(message, 0, 5));
        client.sendFrame(true, RawWebSocket.OP_PING, "ws ping".getBytes(StandardCharsets.US_ASCII));
        client.sendFrame(false, RawWebSocket.OP_CONTINUATION, java.util.Arrays.copyOfRange(message, 5, open.length + 3));
        client.sendFrame(true, RawWebSocket.OP_PONG, new byte[0]);
        client.sendFrame(true, RawWebSocket.OP_CONTINUATION, java.util.Arrays.copyOfRange(message, open.length + 3, message.length));

        final RawWebSocket.Frame pong = client.readFrame();
        assertEquals(RawWebSocket.OP_PONG, pong.opcode());
        assertArrayEquals("ws ping".getBytes(StandardCharsets.US_ASCII), pong.payload());
        final RawWebSocket.Frame muxPong = client.readFrame();
        assertEquals(RawWebSocket.OP_BINARY, muxPong.opcode());
        assertEquals(77, ByteBuffer.wrap(muxPong.payload(), Frames.HEADER_BYTES, 8).getLong());
        final MuxClient.Frame offer = server.expect(FrameType.OPEN, 1);
        assertTrue(new String(offer.payload(), StandardCharsets.US_ASCII).endsWith("first bytes"));
    }

    // ---- protocol errors

    @Test
    void anUnknownFrameTypeClosesTheConnectionWith1002AndTheReason() throws Exception {
        final MuxClient c = connect("srv", CLIENT_KEY);
        c.send(new byte[] {'Z', 0, 0, 0, 0, 0, 0, 1});
        assertEquals("1002 unknown frame type 0x5a", c.closedWith());
    }

    @Test
    void eachBrokenRuleOfTheMuxFramingCloses1002() throws Exception {
        assertClosed1002(SERVER_KEY, "OPEN from a server proxy", MuxClient.openFrame(1, "ssh", new byte[0]));
        assertClosed1002(CLIENT_KEY, "LISTEN from a client proxy", listen("ssh"));
        assertClosed1002(CLIENT_KEY, "OPENED from a client proxy", opened(1));
        assertClosed1002(CLIENT_KEY, "DATA frame with tunnel number 0", MuxClient.data(0, new byte[] {1}));
        assertClosed1002(CLIENT_KEY, "PING frame with tunnel number 5",
                new byte[] {'P', 0, 0, 8, 0, 0, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8});
        assertClosed1002(CLIENT_KEY, "of 70000 bytes", new byte[] {'D', 0x01, 0x11, 0x70, 0, 0, 0, 1, 9});
        assertClosed1002(CLIENT_KEY, "split across two WebSocket messages",
                java.util.Arrays.copyOf(MuxClient.ping(1), 12));
        assertClosed1002(CLIENT_KEY, "CREDIT of 0", new byte[] {'C', 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0});
    }

    private void assertClosed1002(final String key, final String reasonPart, final byte[] message) throws Exception {
        final MuxClient c = connect("srv", key);
        c.send(message);
        final String closed = c.closedWith();
        assertTrue(closed.startsWith("1002 ") && closed.contains(reasonPart), "'" + closed + "' should say '" + reasonPart + "'");
    }

    @Test
    void aTextMessageCloses1002() throws Exception {
        final RawWebSocket ws = raw(CLIENT_KEY);
        ws.sendFrame(true, RawWebSocket.OP_TEXT, "hello".getBytes(StandardCharsets.US_ASCII));
        final RawWebSocket.Frame close = ws.readDataOrClose();
        assertEquals(RawWebSocket.OP_CLOSE, close.opcode());
        assertEquals(1002, close.closeCode());
        assertTrue(close.closeReason().contains("text"), close.closeReason());
        assertTrue(ws.readsEnd(), "the relay closes the connection after its close frame");
    }

    @Test
    void anUnmaskedFrameCloses1002() throws Exception {
        final RawWebSocket ws = raw(CLIENT_KEY);
        ws.sendRaw(new byte[] {(byte) 0x82, 0x08, 'P', 0, 0, 8, 0, 0, 0, 0});
        final RawWebSocket.Frame close = ws.readDataOrClose();
        assertEquals(1002, close.closeCode());
        assertTrue(close.closeReason().contains("mask"), close.closeReason());
    }

    @Test
    void theCloseHandshakeIsAnsweredAndTheConnectionEnds() throws Exception {
        final RawWebSocket ws = raw(CLIENT_KEY);
        ws.sendFrame(true, RawWebSocket.OP_CLOSE, new byte[] {0x03, (byte) 0xe8, 'b', 'y', 'e'});
        final RawWebSocket.Frame close = ws.readDataOrClose();
        assertEquals(RawWebSocket.OP_CLOSE, close.opcode());
        assertEquals(1000, close.closeCode());
        assertTrue(ws.readsEnd());
    }

    // ---- connections lost

    @Test
    void aLostClientConnectionAbortsItsTunnelsAtTheServer() throws Exception {
        final MuxClient server = connect("srv", SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect("srv", CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        final int open = server.expect(FrameType.OPEN, 1).tunnel();
        server.send(opened(open));
        client.expect(FrameType.OPENED, 1);
        client.open(2, "ssh", new byte[0]);
        final int offered = server.expect(FrameType.OPEN, 2).tunnel();
        client.abortConnection();
        assertEquals(Set.of(open, offered), Set.of(abortedTunnel(server), abortedTunnel(server)));
    }

    private static int abortedTunnel(final MuxClient server) throws Exception {
        final MuxClient.Frame f = server.nextSkipping(Set.of(FrameType.CREDIT, FrameType.PONG));
        assertEquals(FrameType.ABORT, f.type(), f.toString());
        return f.tunnel();
    }

    @Test
    void aLostServerConnectionAbortsOpenTunnelsAndRefusesOfferedOnes502() throws Exception {
        final MuxClient server = connect("srv", SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect("srv", CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        server.send(opened(server.expect(FrameType.OPEN, 1).tunnel()));
        client.expect(FrameType.OPENED, 1);
        client.open(2, "ssh", new byte[0]);
        server.expect(FrameType.OPEN, 2);
        server.abortConnection();
        final MuxClient.Frame a = client.nextSkipping(Set.of(FrameType.CREDIT, FrameType.PONG));
        final MuxClient.Frame b = client.nextSkipping(Set.of(FrameType.CREDIT, FrameType.PONG));
        final Map<Integer, MuxClient.Frame> byTunnel = Map.of(a.tunnel(), a, b.tunnel(), b);
        assertEquals(FrameType.ABORT, byTunnel.get(1).type());
        assertTrue(byTunnel.get(1).text().startsWith("mux connection lost"), byTunnel.get(1).text());
        assertEquals(FrameType.REFUSE, byTunnel.get(2).type());
        assertEquals(502, byTunnel.get(2).status());
    }

    @Test
    void aProtocolErrorOnTheClientsConnectionAbortsItsTunnelsAtTheServer() throws Exception {
        final MuxClient server = connect("srv", SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect("srv", CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        final int number = server.expect(FrameType.OPEN, 1).tunnel();
        server.send(opened(number));
        client.expect(FrameType.OPENED, 1);
        client.send(new byte[] {'?', 0, 0, 0, 0, 0, 0, 1});
        assertTrue(client.closedWith().startsWith("1002"));
        assertTrue(server.expect(FrameType.ABORT, number).text().contains("unknown frame type"));
    }

    // ---- timeouts

    @Test
    void aQuietConnectionOutlivesTheConnectorTimeoutAndASilentOneIsClosedAfterThePeerTimeout() throws Exception {
        try (EmbeddedRelay quick = new EmbeddedRelay("mux.peer-timeout=3s\n", Map.of("connectionTimeout", "1000"))) {
            final MuxClient pinging = MuxClient.connect(quick.baseUrl(), "srv", CLIENT_KEY);
            final MuxClient silent = MuxClient.connect(quick.baseUrl(), "srv", SERVER_KEY);
            final long start = System.nanoTime();
            // 5 s: past the connector's 1 s timeout and the 3 s peer timeout; a ping every 500 ms
            for (int i = 0; i < 10; i++) {
                pinging.send(MuxClient.ping(i));
                assertEquals(FrameType.PONG, pinging.next().type());
                Thread.sleep(500);
            }
            assertFalse(pinging.isClosed(), "a connection whose proxy pings lives");
            assertEquals("1001 nothing received for 3 s", silent.closedWith());
            assertTrue(System.nanoTime() - start >= TimeUnit.SECONDS.toNanos(3));
            pinging.close();
        }
    }
}
