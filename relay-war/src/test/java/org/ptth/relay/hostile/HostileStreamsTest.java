package org.ptth.relay.hostile;

import org.ptth.relay.support.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.ptth.relay.support.RawHttp.Response;
import org.ptth.relay.support.ChunkedUpload;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.hostile.HostileRelay.CLI2_KEY;
import static org.ptth.relay.hostile.HostileRelay.path;
import static org.ptth.relay.support.RawHttp.assertRefusal;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;

/**
 * Hostile bodies and hostile silence: broken chunked encoding, bodies cut mid-chunk, clients that
 * send half a request and wait. Each breaks one victim tunnel at most; the guard tunnel, and new
 * tunnels, keep moving their bytes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileStreamsTest {
    private static HostileRelay relay;

    @BeforeAll
    static void start() throws Exception {
        relay = HostileRelay.start("connect.wait=5s\naccept.timeout=2s\n");
    }

    @AfterEach
    void nothingSevere(final TestInfo test) {
        relay.log().assertNoneAndClear(test.getDisplayName());
    }

    @AfterAll
    static void stop() throws Exception {
        relay.finishGuardAndClose();
    }

    /** A victim tunnel with both bodies attached and one round trip made through each. */
    private record Victim(OpenTunnel tunnel, ChunkedUpload upstream, ChunkedUpload downstream) {
        static Victim open(final String port) throws Exception {
            final OpenTunnel t = OpenTunnel.open(relay.calls(), CLI2_KEY, port);
            final ChunkedUpload up = relay.upload(CLI2_KEY, "v1/srv/upstream/" + t.id());
            final ChunkedUpload down = relay.upload(SERVER_KEY, "v1/srv/downstream/" + t.id());
            up.write(bytes("hello server"));
            assertArrayEquals(bytes("hello server"), t.accept().body().readNBytes(12));
            down.write(bytes("hello client"));
            assertArrayEquals(bytes("hello client"), t.connect().body().readNBytes(12));
            return new Victim(t, up, down);
        }

        /** Both streamed responses end, the healthy body hears 410, and the ID is dead. */
        void assertAborted(final ChunkedUpload healthy) throws Exception {
            OpenTunnel.drain(tunnel.accept().body());
            OpenTunnel.drain(tunnel.connect().body());
            assertEquals(410, healthy.status(), "the other body of an aborted tunnel");
            assertRefusal(relay.post("v1/srv/accept/" + tunnel.id(), SERVER_KEY), 409);
            upstream.close();
            downstream.close();
        }
    }

    @ParameterizedTest(name = "upstream chunk ''{0}''")
    @ValueSource(strings = {
        "zz\r\nxyz\r\n",                       // a size that is not hex
        "-5\r\nhello\r\n",                     // a negative size
        "fffffffffffffffffffff\r\nxyz\r\n",    // a size that overflows
        "5\r\nhelloXX5\r\nhello\r\n",          // no CRLF after the data
        "5\nhello\n",                          // bare LF line ends
        "5;ext=" + "e" + "\r\nhello\r\n0\r\nX-Trailer: " + "t" // a trailer that never ends is cut below
    })
    void brokenChunkedEncodingAbortsOnlyItsTunnel(final String garbage) throws Exception {
        final Victim v = Victim.open("victim");
        v.upstream().writeRaw(garbage.contains("X-Trailer") ? garbage + "t".repeat(70_000) : garbage);
        // The sender of the garbage hears a 4xx, or its connection is closed.
        assertBrokenSenderRefused(v.upstream());
        v.assertAborted(v.downstream());
        relay.guard().assertStillMoving();
    }

    @ParameterizedTest(name = "{0} cut by {1}")
    @CsvSource({"upstream, reset", "upstream, close", "downstream, reset", "downstream, close"})
    void bodyCutMidChunkAbortsOnlyItsTunnel(final String direction, final String how) throws Exception {
        final Victim v = Victim.open("cut");
        final boolean up = direction.equals("upstream");
        final ChunkedUpload cut = up ? v.upstream() : v.downstream();
        cut.writeRaw("10\r\nhalf");
        final var receiver = up ? v.tunnel().accept().body() : v.tunnel().connect().body();
        assertEquals("half", new String(receiver.readNBytes(4), StandardCharsets.US_ASCII));
        if (how.equals("reset")) {
            cut.kill();
        } else {
            cut.close();
        }
        v.assertAborted(up ? v.downstream() : v.upstream());
        relay.guard().assertStillMoving();
    }

    @Test
    void slowClientsDoNotBlockAnybodyElse() throws Exception {
        final List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                final Socket s = RawHttp.open(relay.port());
                slow.add(s);
                // A fifth of them get further: the whole head but its last line, or a body promised and never sent.
                final String part = switch (i % 5) {
                    case 0 -> "POST " + path("v1/srv/listen/ssh") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
                    case 1 -> "POST " + path("v1/srv/listen/ssh") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Length: 1000\r\n\r\n";
                    case 2 -> "PO";
                    default -> "POST " + path("v1/srv/lis");
                };
                RawHttp.write(s, part);
            }
            // With all of them sitting there, everybody else is served.
            assertRefusal(relay.post("v1/srv/listen/ssh", null), 401);
            relay.guard().assertStillMoving();
            final Victim fresh = Victim.open("fresh");
            for (int i = 0; i < 20; i++) {
                final byte[] up = ByteStream.slice(7, i * 1000L, 1000);
                fresh.upstream().write(up);
                assertArrayEquals(up, fresh.tunnel().accept().body().readNBytes(up.length));
                final byte[] down = ByteStream.slice(8, i * 1000L, 1000);
                fresh.downstream().write(down);
                assertArrayEquals(down, fresh.tunnel().connect().body().readNBytes(down.length));
            }
            assertEquals(204, fresh.upstream().finish());
            assertEquals(204, fresh.downstream().finish());
            assertEquals(-1, fresh.tunnel().accept().body().read());
            assertEquals(-1, fresh.tunnel().connect().body().read());
        } finally {
            for (final Socket s : slow) {
                s.close();
            }
        }
        relay.guard().assertStillMoving();
    }

    @Test
    void aBodyOnACallThatTakesNoneIsNotRelayed() throws Exception {
        // A listen with a large body: the relay answers the poll and does not keep the connection for the rest.
        final CompletableFuture<java.net.http.HttpResponse<String>> connect =
                relay.calls().textAsync(CLIENT_KEY, "v1/srv/connect/stuffed");
        try (Socket s = RawHttp.open(relay.port())) {
            RawHttp.write(s, "POST " + path("v1/srv/listen/stuffed") + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + SERVER_KEY + "\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(5000));
            final Response offer = RawHttp.read(s);
            assertEquals(200, offer.status(), offer::toString);
            final String id = offer.body().strip();
            assertEquals(204, relay.post("v1/srv/refuse/" + id, SERVER_KEY).status());
        }
        assertEquals(502, connect.get(30, TimeUnit.SECONDS).statusCode());
        // An unauthenticated call with a chunked body that never ends: refused at once, connection not kept.
        try (ChunkedUpload junk = new ChunkedUpload(relay.port(), path("v1/srv/upstream/" + relay.guard().id()), null)) {
            junk.write(bytes("not yours"));
            assertEquals(401, junk.status());
        }
        relay.guard().assertStillMoving();
    }

    @Test
    void serverKeyHoldersWithholdingRefuseBodiesDoNotBlockAnybodyElse() throws Exception {
        // More than Tomcat's 200 request threads: each call names a well-formed ID and promises a reason it never sends.
        final int withheld = 210;
        final List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < withheld; i++) {
                final Socket s = RawHttp.open(relay.port());
                slow.add(s);
                RawHttp.write(s, "POST " + path("v1/srv/refuse/" + "R".repeat(31) + (char) ('a' + i % 26))
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + SERVER_KEY + "\r\n"
                        + "Content-Length: 100\r\n\r\nwait");
            }
            final Response answer;
            try {
                answer = relay.post("v1/srv/listen/ssh", null);
            } catch (final java.net.SocketTimeoutException stalled) {
                throw new AssertionError("the relay answered nobody while " + withheld + " refuse calls withheld"
                        + " their bodies: each one holds a request thread", stalled);
            }
            assertRefusal(answer, 401);
        } finally {
            for (final Socket s : slow) {
                s.close();
            }
        }
        relay.guard().assertStillMoving();
    }

    @Test
    void aRepeatedSegmentIsAnsweredAsDoneAndNotRelayedTwice() throws Exception {
        final OpenTunnel t = OpenTunnel.open(relay.calls(), CLI2_KEY, "segments");
        final String upstream = "v1/srv/upstream/" + t.id();
        assertEquals(204, segment(upstream, 0, false, "first|").status());
        assertEquals(204, segment(upstream, 1, false, "second|").status());
        // The proxy's HTTP client sends a segment again when a broken connection took the answer.
        assertEquals(204, segment(upstream, 1, false, "second|").status(), "a copy of the segment just relayed");
        assertRefusal(segment(upstream, 0, false, "first|"), 409);
        assertRefusal(segment(upstream, 3, false, "skipped a number|"), 409);
        assertEquals(204, segment(upstream, 2, true, "third").status());
        assertEquals("first|second|third", new String(t.accept().body().readAllBytes(), StandardCharsets.US_ASCII),
                "what the server received: every segment once, in order");
        assertRefusal(segment(upstream, 2, true, "third"), 409);
        try (ChunkedUpload down = relay.upload(SERVER_KEY, "v1/srv/downstream/" + t.id())) {
            assertEquals(204, down.finish());
        }
        assertEquals(0, OpenTunnel.drain(t.connect().body()));
        relay.guard().assertStillMoving();
    }

    private static void assertBrokenSenderRefused(final ChunkedUpload sender) {
        try {
            final int status = sender.status();
            assertTrue(status >= 400 && status < 500, "the sender of a broken body got " + status);
        } catch (final IOException closed) {
            // Closed without an answer: what HTTP allows once the framing of a body is lost.
        }
    }

    /** One segment of a segmented upload, by hand, with its number. */
    private static Response segment(final String relative, final long number, final boolean last, final String body)
            throws IOException {
        return relay.send("POST " + path(relative) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + CLI2_KEY + "\r\nPtth-Segment: " + (last ? "last" : "more") + "\r\n"
                + "Ptth-Segment-Number: " + number + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
