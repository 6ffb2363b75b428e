package org.ptth.relay.mux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.mux.FrameType;
import org.ptth.relay.auth.KeyHashes;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.MuxClient;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;
import static org.ptth.relay.support.MuxClient.data;
import static org.ptth.relay.support.MuxClient.end;
import static org.ptth.relay.support.MuxClient.listen;
import static org.ptth.relay.support.MuxClient.opened;

/**
 * Where the relay sends a tunnel and when it refuses one: several server connections, LISTEN that
 * replaces a port set, GOAWAY both ways, the limits, a configuration reload, the relay stopping,
 * and the status endpoint's counts.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MuxRoutingIT {
    private static final String OTHER_CLIENT_KEY = "77665544332211007766554433221100776655443322110077665544332211ff";

    private EmbeddedRelay relay;
    private final List<MuxClient> connections = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        connections.forEach(MuxClient::close);
        if (relay != null) {
            relay.close();
        }
    }

    private MuxClient connect(final String key) throws Exception {
        final MuxClient c = MuxClient.connect(relay.baseUrl(), "srv", key);
        connections.add(c);
        return c;
    }

    private static MuxClient.Frame nextOf(final MuxClient c) throws Exception {
        return c.nextSkipping(Set.of(FrameType.CREDIT, FrameType.PONG));
    }

    /** Opens client tunnel {@code number}; returns the OPEN the server got. */
    private static MuxClient.Frame openThrough(final MuxClient client, final MuxClient server, final int number)
            throws Exception {
        client.open(number, "ssh", new byte[0]);
        final MuxClient.Frame offer = nextOf(server);
        assertEquals(FrameType.OPEN, offer.type(), offer.toString());
        server.send(opened(offer.tunnel()));
        client.expect(FrameType.OPENED, number);
        return offer;
    }

    @Test
    void tunnelsGoToTheLeastLoadedServerConnectionThatListensOnThePort() throws Exception {
        relay = new EmbeddedRelay("");
        final MuxClient first = connect(SERVER_KEY);
        final MuxClient second = connect(SERVER_KEY);
        final MuxClient elsewhere = connect(SERVER_KEY);
        first.send(listen("ssh"));
        second.send(listen("ssh", "web"));
        elsewhere.send(listen("web"));
        final MuxClient client = connect(CLIENT_KEY);
        // wait until the three LISTENs are in: a PING's PONG comes after its connection's LISTEN was handled
        for (final MuxClient s : List.of(first, second, elsewhere)) {
            s.send(MuxClient.ping(1));
            assertEquals(FrameType.PONG, s.next().type());
        }
        int toFirst = 0;
        int toSecond = 0;
        for (int n = 1; n <= 6; n++) {
            client.open(n, "ssh", new byte[0]);
            final MuxClient.Frame f1 = first.poll(2000);
            if (f1 != null) {
                assertEquals(FrameType.OPEN, f1.type());
                first.send(opened(f1.tunnel()));
                toFirst++;
            } else {
                final MuxClient.Frame f2 = nextOf(second);
                assertEquals(FrameType.OPEN, f2.type());
                second.send(opened(f2.tunnel()));
                toSecond++;
            }
            client.expect(FrameType.OPENED, n);
        }
        assertEquals(3, toFirst, "each ssh listener gets half");
        assertEquals(3, toSecond);
        assertEquals(null, elsewhere.poll(200), "the connection without ssh gets none");
    }

    @Test
    void aNewListenReplacesThePortSetAndAGoawayTakesTheConnectionOutOfTheChoice() throws Exception {
        relay = new EmbeddedRelay("connect.wait=1s\n");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"));
        server.send(listen("web"), MuxClient.ping(8));
        assertEquals(FrameType.PONG, server.next().type()); // both LISTENs are in
        final MuxClient client = connect(CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        assertEquals(404, client.expect(FrameType.REFUSE, 1).status(), "ssh is no longer served");
        final MuxClient.Frame open = openThroughPort(client, server, 2, "web");
        // the server proxy goes away: its open tunnel goes on, a new one is not given to it
        server.send(MuxClient.goaway("stopping"), MuxClient.ping(9));
        assertEquals(FrameType.PONG, server.next().type()); // the GOAWAY is in
        client.open(3, "web", new byte[0]);
        assertEquals(404, client.expect(FrameType.REFUSE, 3).status());
        client.send(data(2, "still there".getBytes(StandardCharsets.US_ASCII)), end(2));
        assertEquals("still there", new String(server.expect(FrameType.DATA, open.tunnel()).payload(), StandardCharsets.US_ASCII));
        server.expect(FrameType.END, open.tunnel());
        server.send(end(open.tunnel()));
        client.expect(FrameType.END, 2);
        // its last tunnel over, the relay closes the connection it was told to give up
        assertEquals("1000 going away, and no tunnel is left", server.closedWith());
    }

    @Test
    void aConnectionThatSaidGoawayGetsItsLastTunnelsLastFramesBeforeItIsClosed() throws Exception {
        relay = new EmbeddedRelay("");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"), MuxClient.ping(1));
        assertEquals(FrameType.PONG, server.next().type());
        final MuxClient client = connect(CLIENT_KEY);
        final MuxClient.Frame offer = openThrough(client, server, 1);
        final List<String> infoLines = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.logging.Logger log = java.util.logging.Logger.getLogger(MuxConnection.class.getName());
        final java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(final java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.INFO.intValue()) {
                    infoLines.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        try {
            goawayRenewedThenLastFrames(client, server, offer);
        } finally {
            log.removeHandler(handler);
        }
        // a renewal is routine, every --renew-after: neither its GOAWAY nor the close is said at INFO
        assertEquals(List.of(), infoLines);
    }

    private static void goawayRenewedThenLastFrames(final MuxClient client, final MuxClient server,
                                                    final MuxClient.Frame offer) throws Exception {
        // the client proxy renews its connection: GOAWAY on this one, whose tunnel has sent all it had
        client.send(end(1), MuxClient.goaway("renewed: connection 2 takes new tunnels"), MuxClient.ping(2));
        server.expect(FrameType.END, offer.tunnel());
        // the server's last bytes and END come in one message: the tunnel is over at once
        server.send(data(offer.tunnel(), "last words".getBytes(StandardCharsets.US_ASCII)), end(offer.tunnel()));
        assertEquals("last words", new String(client.expect(FrameType.DATA, 1).payload(), StandardCharsets.US_ASCII));
        client.expect(FrameType.END, 1);
        assertEquals("1000 going away, and no tunnel is left", client.closedWith());
    }

    private static MuxClient.Frame openThroughPort(final MuxClient client, final MuxClient server, final int number,
                                                   final String port) throws Exception {
        client.open(number, port, new byte[0]);
        final MuxClient.Frame offer = nextOf(server);
        assertEquals(FrameType.OPEN, offer.type(), offer.toString());
        server.send(opened(offer.tunnel()));
        client.expect(FrameType.OPENED, number);
        return offer;
    }

    @Test
    void eachLimitIsARefusalWithItsStatusAndReason() throws Exception {
        relay = new EmbeddedRelay("limit.tunnels-per-client=2\nlimit.pending-connects-per-server=1\n"
                + "connect.wait=2s\n");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect(CLIENT_KEY);
        // one tunnel waits for the server's answer: a second pending one is too many for srv
        client.open(1, "ssh", new byte[0]);
        final MuxClient.Frame pending = nextOf(server);
        client.open(2, "ssh", new byte[0]);
        final MuxClient.Frame busy = client.expect(FrameType.REFUSE, 2);
        assertEquals(503, busy.status());
        assertEquals("too many pending connects for server srv", busy.text());
        server.send(opened(pending.tunnel()));
        client.expect(FrameType.OPENED, 1);
        openThrough(client, server, 3);
        client.open(4, "ssh", new byte[0]);
        final MuxClient.Frame tooMany = client.expect(FrameType.REFUSE, 4);
        assertEquals(429, tooMany.status());
        assertEquals("too many tunnels for client cli", tooMany.text());
    }

    @Test
    void theTunnelLimitCountsTunnelsOfEveryTransport() throws Exception {
        relay = new EmbeddedRelay("limit.tunnels=1\n");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect(CLIENT_KEY);
        openThrough(client, server, 1);
        client.open(2, "ssh", new byte[0]);
        final MuxClient.Frame full = client.expect(FrameType.REFUSE, 2);
        assertEquals(503, full.status());
        assertEquals("relay at its tunnel limit", full.text());
        final Map<String, Long> status = relay.status();
        assertEquals(1, status.get("tunnels"));
        assertEquals(2, status.get("mux_connections"));
    }

    @Test
    void aReloadClosesTheConnectionsOfAReKeyedPrincipalAndEndsTunnelsNoLongerAllowed() throws Exception {
        relay = new EmbeddedRelay("client.other.key-sha256=" + KeyHashes.sha256Hex(OTHER_CLIENT_KEY) + "\n"
                + "client.other.allow=srv\n");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect(CLIENT_KEY);
        final MuxClient other = connect(OTHER_CLIENT_KEY);
        final MuxClient.Frame clientsTunnel = openThrough(client, server, 1);
        final MuxClient.Frame othersTunnel = openThrough(other, server, 1);

        // cli gets a new key; other may no longer reach srv
        final String newKey = "1111111111111111111111111111111111111111111111111111111111111111";
        final String config = EmbeddedRelay.baseConfig().replace(KeyHashes.sha256Hex(CLIENT_KEY), KeyHashes.sha256Hex(newKey))
                + "client.other.key-sha256=" + KeyHashes.sha256Hex(OTHER_CLIENT_KEY) + "\nclient.other.allow=elsewhere\n";
        java.nio.file.Files.writeString(relay.configFile(), config);
        assertEquals("1008 configuration changed: key removed or replaced", client.closedWith());
        final Set<Integer> aborted = Set.of(nextOf(server).tunnel(), nextOf(server).tunnel());
        assertEquals(Set.of(clientsTunnel.tunnel(), othersTunnel.tunnel()), aborted);
        final MuxClient.Frame othersAbort = other.expect(FrameType.ABORT, 1);
        assertEquals("configuration changed: key or permission removed", othersAbort.text());
        assertTrue(!other.isClosed(), "a principal that keeps its key keeps its connection");
        assertEquals(401, MuxClient.refused(relay.baseUrl(), "srv", CLIENT_KEY).status());
        connect(newKey).send(MuxClient.ping(3));
    }

    @Test
    void aStoppingRelaySaysGoawayRefusesNewTunnelsAndLetsOpenOnesFinishWithinTheGrace() throws Exception {
        relay = new EmbeddedRelay("shutdown.grace=20s\n");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect(CLIENT_KEY);
        final MuxClient.Frame open = openThrough(client, server, 1);
        final EmbeddedRelay stopping = relay;
        relay = null;
        final CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> {
            try {
                stopping.close();
            } catch (final Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals("relay stopping", client.expect(FrameType.GOAWAY, 0).text());
        assertEquals("relay stopping", server.expect(FrameType.GOAWAY, 0).text());
        client.open(2, "ssh", new byte[0]);
        final MuxClient.Frame refused = client.expect(FrameType.REFUSE, 2);
        assertEquals(503, refused.status());
        assertEquals("relay stopping", refused.text());
        // the open tunnel still carries bytes, and ends cleanly
        client.send(data(1, "last words".getBytes(StandardCharsets.US_ASCII)), end(1));
        assertEquals("last words", new String(server.expect(FrameType.DATA, open.tunnel()).payload(), StandardCharsets.US_ASCII));
        server.expect(FrameType.END, open.tunnel());
        server.send(end(open.tunnel()));
        client.expect(FrameType.END, 1);
        // with no tunnel left the relay stops at once, long before the grace is over
        stop.get(10, TimeUnit.SECONDS);
        assertEquals("1001 relay stopping", client.closedWith());
    }

    @Test
    void tunnelsStillOpenWhenTheGraceIsOverAreAborted() throws Exception {
        relay = new EmbeddedRelay("shutdown.grace=1s\n");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect(CLIENT_KEY);
        final MuxClient.Frame open = openThrough(client, server, 1);
        relay.close();
        relay = null;
        client.expect(FrameType.GOAWAY, 0);
        assertEquals("relay stopping", client.expect(FrameType.ABORT, 1).text());
        server.expect(FrameType.GOAWAY, 0);
        assertEquals("relay stopping", server.expect(FrameType.ABORT, open.tunnel()).text());
    }
}
