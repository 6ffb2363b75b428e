package org.ptth.relay.mux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.MuxClient;
import org.ptth.relay.support.RawWebSocket;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;
import static org.ptth.relay.support.MuxClient.credit;
import static org.ptth.relay.support.MuxClient.listen;
import static org.ptth.relay.support.MuxClient.opened;

/**
 * Flow control through the relay: a tunnel whose reader stalls holds at most its window and does
 * not slow its neighbour on the same connections; a sender past its credit is aborted; a proxy that
 * stops reading its connection does not make the relay hold more than its budget, and gets every
 * byte once it reads again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MuxFlowIT {
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

    private static byte[] random(final int n, final long seed) {
        final byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Opens client tunnel {@code number} to port ssh; returns its number at the server. */
    private static int open(final MuxClient client, final MuxClient server, final int number) throws Exception {
        client.open(number, "ssh", new byte[0]);
        final MuxClient.Frame offer = server.nextSkipping(Set.of(FrameType.CREDIT, FrameType.PONG));
        assertEquals(FrameType.OPEN, offer.type(), offer.toString());
        server.send(opened(offer.tunnel()));
        client.expect(FrameType.OPENED, number);
        return offer.tunnel();
    }

    @Test
    void aStalledTunnelHoldsAtMostItsWindowWhileItsNeighbourKeepsFlowing() throws Exception {
        relay = new EmbeddedRelay("");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect(CLIENT_KEY).autoCredit();
        final int stalled = open(client, server, 1);
        final int flowing = open(client, server, 2);
        server.autoCredit().withholdCredit(stalled);

        // the stalled tunnel's sender fills its window, then waits
        final byte[] lots = random(4 * Frames.INITIAL_WINDOW, 1);
        final CompletableFuture<Void> stalledSend = CompletableFuture.runAsync(() -> {
            try {
                client.sendData(1, lots);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (final AssertionError expected) {
                // no credit within the client's wait: it stays stalled, as it should
            }
        });
        // meanwhile 8 MiB cross on the neighbour, every byte checked
        final byte[] bulk = random(8 << 20, 2);
        final CompletableFuture<Void> bulkSend = CompletableFuture.runAsync(() -> {
            try {
                client.sendData(2, bulk);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        final ByteArrayOutputStream stalledGot = new ByteArrayOutputStream();
        final ByteArrayOutputStream flowingGot = new ByteArrayOutputStream();
        while (flowingGot.size() < bulk.length) {
            final MuxClient.Frame f = server.nextSkipping(Set.of(FrameType.CREDIT, FrameType.PONG));
            assertEquals(FrameType.DATA, f.type(), f.toString());
            (f.tunnel() == flowing ? flowingGot : stalledGot).writeBytes(f.payload());
        }
        bulkSend.get(30, TimeUnit.SECONDS);
        assertArrayEquals(bulk, flowingGot.toByteArray());
        for (MuxClient.Frame f = server.poll(300); f != null; f = server.poll(300)) {
            if (f.type() == FrameType.DATA) {
                assertEquals(stalled, f.tunnel());
                stalledGot.writeBytes(f.payload());
            }
        }
        assertEquals(Frames.INITIAL_WINDOW, stalledGot.size(), "the stalled tunnel got exactly its window");
        assertFalse(stalledSend.isDone(), "its sender waits for credit");
        assertEquals(0, client.creditLeft(1));
        assertArrayEquals(java.util.Arrays.copyOf(lots, Frames.INITIAL_WINDOW), stalledGot.toByteArray());

        // the reader reads again: the rest comes
        server.send(credit(stalled, 3 * Frames.INITIAL_WINDOW));
        stalledSend.get(30, TimeUnit.SECONDS);
        while (stalledGot.size() < lots.length) {
            stalledGot.writeBytes(server.expect(FrameType.DATA, stalled).payload());
        }
        assertArrayEquals(lots, stalledGot.toByteArray());
    }

    @Test
    void aSenderPastItsCreditIsAbortedAndSoIsItsReceiver() throws Exception {
        relay = new EmbeddedRelay("");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"));
        final MuxClient client = connect(CLIENT_KEY);
        final int atServer = open(client, server, 1);
        client.send(MuxClient.data(1, new byte[Frames.MAX_PAYLOAD]));
        client.send(MuxClient.data(1, new byte[1]));
        final String reason = "protocol error on this tunnel: the client sent past its credit";
        assertEquals(reason, client.expect(FrameType.ABORT, 1).text());
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        MuxClient.Frame f;
        while ((f = server.nextSkipping(Set.of(FrameType.CREDIT, FrameType.PONG))).type() == FrameType.DATA) {
            got.writeBytes(f.payload());
        }
        assertEquals(FrameType.ABORT, f.type());
        assertEquals(atServer, f.tunnel());
        assertEquals(reason, f.text());
        assertEquals(Frames.INITIAL_WINDOW, got.size(), "only what the credit allowed was passed on");
        assertFalse(client.isClosed(), "the connection goes on");
    }

    @Test
    void aProxyThatStopsReadingItsConnectionHoldsTheRelayToItsBudgetAndGetsEveryByteWhenItReadsAgain()
            throws Exception {
        relay = new EmbeddedRelay("");
        final MuxClient server = connect(SERVER_KEY);
        server.send(listen("ssh"));
        // a client on a bare socket, so that not reading means not reading: only the kernel buffers
        try (RawWebSocket client = RawWebSocket.upgrade(relay.port(), "/relay/v1/srv/mux", CLIENT_KEY)) {
            client.sendFrame(true, RawWebSocket.OP_BINARY, MuxClient.openFrame(1, "ssh", new byte[0]));
            final MuxClient.Frame offer = server.nextSkipping(Set.of(FrameType.PONG));
            final int atServer = offer.tunnel();
            server.send(opened(atServer));
            assertEquals(FrameType.OPENED, client.readMuxFrame().type());

            // the server sends while the client grants a MiB at a time (slower than the server sends) and
            // never reads: once the kernel's buffers are full, the relay's queue for the client grows,
            // and past its high mark (1 MiB) the relay holds the grants back
            final int granted = 24 << 20;
            final byte[] bulk = random(Frames.INITIAL_WINDOW + granted, 3);
            final CompletableFuture<Void> send = CompletableFuture.runAsync(() -> {
                try {
                    server.sendData(atServer, bulk);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < granted / (1 << 20); i++) {
                client.sendFrame(true, RawWebSocket.OP_BINARY, credit(1, 1 << 20));
                Thread.sleep(100);
            }
            // until the sender is out of credit and the relay's queue no longer grows
            long last = -1;
            long buffered = relay.status().get("mux_buffered_bytes");
            while (buffered != last || server.creditLeft(atServer) > 0) {
                Thread.sleep(300);
                last = buffered;
                buffered = relay.status().get("mux_buffered_bytes");
            }
            // at most the high mark, plus the grant passed on just under it
            assertTrue(buffered <= (3L << 20), "the relay holds " + buffered + " bytes for a connection that does not read");
            assertTrue(server.creditReceived(atServer) < granted, "the relay held back some of the " + granted
                    + " bytes of credit granted, passed on " + server.creditReceived(atServer));

            // the client reads again: the held-back credit follows, and every byte arrives
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (got.size() < bulk.length) {
                final MuxClient.Frame f = client.readMuxFrame();
                assertEquals(FrameType.DATA, f.type(), f.toString());
                got.writeBytes(f.payload());
            }
            send.get(30, TimeUnit.SECONDS);
            assertArrayEquals(bulk, got.toByteArray());
        }
    }
}
