package org.ptth.relay.hostile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.mux.FrameType;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.MuxClient;
import org.ptth.relay.support.RawWebSocket;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;

/**
 * Hostile callers of the mux endpoint, with the guard tunnel moving bytes all along and no SEVERE
 * line allowed: garbage after the upgrade, upgrades that never finish, a frame that claims to be
 * huge, and a proxy that sends without reading.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileMuxTest {
    private static HostileRelay relay;

    @BeforeAll
    static void start() throws Exception {
        relay = HostileRelay.start("mux.peer-timeout=3s\n");
    }

    @AfterAll
    static void stop() throws Exception {
        relay.finishGuardAndClose();
    }

    /** A mux tunnel opens and carries a byte each way: the relay still serves. */
    private static void muxStillWorks() throws Exception {
        try (MuxClient server = MuxClient.connect(relay.calls().base(), "srv", SERVER_KEY);
             MuxClient client = MuxClient.connect(relay.calls().base(), "srv", CLIENT_KEY)) {
            server.send(MuxClient.listen("probe"));
            client.open(1, "probe", new byte[] {1});
            final MuxClient.Frame open = server.expect(FrameType.OPEN, 1);
            server.send(MuxClient.opened(open.tunnel()), MuxClient.data(open.tunnel(), new byte[] {2}));
            client.expect(FrameType.OPENED, 1);
            client.expectData(1, new byte[] {2});
        }
    }

    @Test
    void garbageAfterTheUpgradeClosesThatConnectionOnly() throws Exception {
        for (int seed = 0; seed < 20; seed++) {
            try (RawWebSocket ws = RawWebSocket.upgrade(relay.port(), HostileRelay.path("v1/srv/mux"), CLIENT_KEY)) {
                assertEquals(101, ws.status());
                final byte[] garbage = new byte[4096];
                new Random(seed).nextBytes(garbage);
                try {
                    ws.sendRaw(garbage);
                } catch (final IOException closedAlready) {
                    // the relay may close before all of it is sent
                }
                assertTrue(ws.readsEnd(), "the relay ends the connection");
            }
        }
        relay.guard().assertStillMoving();
        muxStillWorks();
        relay.log().assertNoneAndClear("garbage after the upgrade");
    }

    @Test
    void upgradesThatNeverFinishHoldNoThreadAndCountForNothing() throws Exception {
        final List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 250; i++) {
                final Socket s = new Socket("127.0.0.1", relay.port());
                final String head = RawWebSocket.handshake(relay.port(), HostileRelay.path("v1/srv/mux"), CLIENT_KEY);
                final OutputStream out = s.getOutputStream();
                out.write(head.substring(0, head.length() / 2).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                stalled.add(s);
            }
            final long start = System.nanoTime();
            muxStillWorks();
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "a new mux tunnel opens at once");
            relay.guard().assertStillMoving();
        } finally {
            for (final Socket s : stalled) {
                s.close();
            }
        }
        relay.log().assertNoneAndClear("upgrades that never finish");
    }

    @Test
    void aFrameThatClaimsToBeHugeClosesTheConnectionAtItsHeader() throws Exception {
        try (RawWebSocket ws = RawWebSocket.upgrade(relay.port(), HostileRelay.path("v1/srv/mux"), CLIENT_KEY)) {
            // a binary frame of 2^62 bytes: only its header is ever sent
            ws.sendRaw(new byte[] {(byte) 0x82, (byte) 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4});
            final RawWebSocket.Frame close = ws.readDataOrClose();
            assertEquals(RawWebSocket.OP_CLOSE, close.opcode());
            assertEquals(1009, close.closeCode());
            assertTrue(close.closeReason().contains("262144"), close.closeReason());
        }
        relay.log().assertNoneAndClear("a huge frame");
    }

    @Test
    void aProxyThatSendsPingsAndNeverReadsIsClosedBeforeItsAnswersPileUp() throws Exception {
        try (RawWebSocket ws = RawWebSocket.upgrade(relay.port(), HostileRelay.path("v1/srv/mux"), CLIENT_KEY)) {
            final byte[] pings = new byte[1000 * 16];
            for (int i = 0; i < 1000; i++) {
                System.arraycopy(MuxClient.ping(i), 0, pings, i * 16, 16);
            }
            final byte[] message = RawWebSocket.frame(true, RawWebSocket.OP_BINARY, pings, 0x11223344);
            long maxBuffered = 0;
            try {
                for (int i = 0; i < 2000; i++) {
                    ws.sendRaw(message); // 32 MB of PINGs, never reading the PONGs
                    if (i % 100 == 0) {
                        maxBuffered = Math.max(maxBuffered, relay.status().get("mux_buffered_bytes"));
                    }
                }
            } catch (final IOException closedByTheRelay) {
                // expected: the relay gave up on this connection
            }
            assertTrue(maxBuffered <= 2L << 20, "the relay held " + maxBuffered + " bytes of answers");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (relay.status().get("mux_connections") > 0) {
                assertTrue(System.nanoTime() < deadline, "the connection is still open");
                Thread.sleep(100);
            }
        }
        relay.guard().assertStillMoving();
        relay.log().assertNoneAndClear("pings without reading");
    }
}
