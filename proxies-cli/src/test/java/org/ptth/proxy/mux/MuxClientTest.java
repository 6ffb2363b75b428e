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
        // the relay is busy at first: the TCP client's bytes are in the socket before the OPEN is made
        rig.relay.refuseStatus = 503;
        final InetSocketAddress address = rig.client(MuxRig.MUX);
        rig.nextLine("relay unreachable");
        final Socket user = rig.connect(address);
        user.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        rig.relay.refuseStatus = 0;
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

    // --- the relay's side of a direction, as the test plays it ---

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
