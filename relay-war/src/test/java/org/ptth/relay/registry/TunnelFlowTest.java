package org.ptth.relay.registry;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.relay.support.ChunkedResponse;
import org.ptth.relay.support.ChunkedUpload;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.RelayCalls;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;

/** The relay's splicing of whole tunnels, on an embedded Tomcat, with plain HTTP calls playing the proxies. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TunnelFlowTest {
    private static EmbeddedRelay relay;
    private static RelayCalls calls;

    @BeforeAll
    static void start() throws Exception {
        relay = new EmbeddedRelay("connect.wait=2s\naccept.timeout=1s\n");
        calls = new RelayCalls(relay.baseUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
    }

    /** The four calls of a tunnel, up to the point where both streamed responses have started. */
    private record Opened(String id, HttpResponse<InputStream> connect, HttpResponse<InputStream> accept) {
    }

    private Opened open(final String port) throws Exception {
        final CompletableFuture<HttpResponse<String>> listen = calls.textAsync(SERVER_KEY, "v1/srv/listen/" + port);
        relay.awaitParkedPoll("srv", port);
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.download(CLIENT_KEY, "v1/srv/connect/" + port);
        final HttpResponse<String> offered = listen.get(20, TimeUnit.SECONDS);
        assertEquals(200, offered.statusCode());
        final String id = offered.body().strip();
        assertEquals(id, offered.headers().firstValue("Ptth-Connection-Id").orElseThrow());
        final HttpResponse<InputStream> accept = calls.download(SERVER_KEY, "v1/srv/accept/" + id).get(20, TimeUnit.SECONDS);
        assertEquals(200, accept.statusCode());
        assertEquals("no", accept.headers().firstValue("X-Accel-Buffering").orElse(null));
        final HttpResponse<InputStream> connected = connect.get(20, TimeUnit.SECONDS);
        assertEquals(200, connected.statusCode());
        assertEquals(id, connected.headers().firstValue("Ptth-Connection-Id").orElseThrow());
        return new Opened(id, connected, accept);
    }

    @Test
    void bytesCrossBothWaysAndEachDirectionEndsOnItsOwn() throws Exception {
        final Opened t = open("ssh");
        final ChunkedUpload up = upload(CLIENT_KEY, "v1/srv/upstream/" + t.id());
        final ChunkedUpload down = upload(SERVER_KEY, "v1/srv/downstream/" + t.id());

        final byte[] request = random(3 * 1024 * 1024 + 17, 1);
        final byte[] reply = random(2 * 1024 * 1024 + 5, 2);
        final CompletableFuture<byte[]> serverReads = CompletableFuture.supplyAsync(() -> readAll(t.accept().body()));
        final CompletableFuture<byte[]> clientReads = CompletableFuture.supplyAsync(() -> readAll(t.connect().body()));

        // Half-close: the client's direction ends first, the server still sends its whole reply afterwards.
        writeInPieces(up, request);
        assertEquals(204, up.finish());
        assertArrayEquals(request, serverReads.get(30, TimeUnit.SECONDS));

        writeInPieces(down, reply);
        assertEquals(204, down.finish());
        assertArrayEquals(reply, clientReads.get(30, TimeUnit.SECONDS));
    }

    @Test
    void smallWritesArriveWithoutWaitingForMore() throws Exception {
        final Opened t = open("chat");
        final ChunkedUpload up = upload(CLIENT_KEY, "v1/srv/upstream/" + t.id());
        final ChunkedUpload down = upload(SERVER_KEY, "v1/srv/downstream/" + t.id());
        for (int i = 0; i < 5; i++) {
            final byte[] ping = ("ping " + i).getBytes(StandardCharsets.US_ASCII);
            up.write(ping);
            assertArrayEquals(ping, t.accept().body().readNBytes(ping.length));
            final byte[] pong = ("pong " + i).getBytes(StandardCharsets.US_ASCII);
            down.write(pong);
            assertArrayEquals(pong, t.connect().body().readNBytes(pong.length));
        }
        assertEquals(204, up.finish());
        assertEquals(204, down.finish());
        assertEquals(-1, t.accept().body().read());
        assertEquals(-1, t.connect().body().read());
    }

    /**
     * A duplex accept's response carries the upstream while its request body carries the
     * downstream, so the end of the upstream does not end that response. The last bytes of the
     * upstream, which came with its end and wait in the response buffer, must still go out at once:
     * the server proxy needs them (the rest of a frame, the END frame) to go on, long before the
     * downstream ends.
     */
    @Test
    void duplexAcceptGetsTheLastUpstreamBytesWhileItsOwnBodyGoesOn() throws Exception {
        final CompletableFuture<HttpResponse<String>> listen = calls.textAsync(SERVER_KEY, "v1/srv/listen/dupa");
        relay.awaitParkedPoll("srv", "dupa");
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.download(CLIENT_KEY, "v1/srv/connect/dupa");
        final String id = listen.get(20, TimeUnit.SECONDS).body().strip();
        try (ChunkedUpload accept = new ChunkedUpload(relay.port(), "/relay/v1/srv/accept/" + id, SERVER_KEY,
                DUPLEX_HEADER)) {
            final RawResponse serverReads = RawResponse.head(accept.response());
            assertEquals(200, serverReads.status());
            assertEquals("1", serverReads.header("Ptth-Duplex"));
            final HttpResponse<InputStream> connected = connect.get(20, TimeUnit.SECONDS);
            assertEquals(200, connected.statusCode());

            final ChunkedUpload up = upload(CLIENT_KEY, "v1/srv/upstream/" + id);
            final byte[] bulk = random(300_000, 6);
            writeInPieces(up, bulk);
            assertArrayEquals(bulk, serverReads.readBody(bulk.length, 10));
            // A few bytes and the end of the body, in one packet: read together, after the pump's last flush.
            final String last = "the rest of a frame, then an END frame";
            up.writeRaw(Integer.toHexString(last.length()) + "\r\n" + last + "\r\n0\r\n\r\n");
            assertEquals(204, up.status());
            assertEquals(last, new String(serverReads.readBody(last.length(), 10), StandardCharsets.US_ASCII));

            // The downstream, on the accept's own body, still flows, and ends the tunnel.
            final byte[] reply = "reply after the upstream ended".getBytes(StandardCharsets.US_ASCII);
            accept.write(reply);
            assertArrayEquals(reply, connected.body().readNBytes(reply.length));
            accept.writeRaw("0\r\n\r\n");
            assertTrue(serverReads.ended(10), "the accept response ends once both directions have");
            assertEquals(-1, connected.body().read());
        }
    }

    /** The mirror image: a duplex connect's response carries the downstream, which ends first. */
    @Test
    void duplexConnectGetsTheLastDownstreamBytesWhileItsOwnBodyGoesOn() throws Exception {
        final CompletableFuture<HttpResponse<String>> listen = calls.textAsync(SERVER_KEY, "v1/srv/listen/dupc");
        relay.awaitParkedPoll("srv", "dupc");
        try (ChunkedUpload connect = new ChunkedUpload(relay.port(), "/relay/v1/srv/connect/dupc", CLIENT_KEY,
                DUPLEX_HEADER)) {
            final String id = listen.get(20, TimeUnit.SECONDS).body().strip();
            final HttpResponse<InputStream> accept = calls.download(SERVER_KEY, "v1/srv/accept/" + id)
                    .get(20, TimeUnit.SECONDS);
            assertEquals(200, accept.statusCode());
            final RawResponse clientReads = RawResponse.head(connect.response());
            assertEquals(200, clientReads.status());
            assertEquals("1", clientReads.header("Ptth-Duplex"));

            final ChunkedUpload down = upload(SERVER_KEY, "v1/srv/downstream/" + id);
            final String last = "the last words of the server";
            down.writeRaw(Integer.toHexString(last.length()) + "\r\n" + last + "\r\n0\r\n\r\n");
            assertEquals(204, down.status());
            assertEquals(last, new String(clientReads.readBody(last.length(), 10), StandardCharsets.US_ASCII));

            final byte[] request = "more from the client".getBytes(StandardCharsets.US_ASCII);
            connect.write(request);
            assertArrayEquals(request, accept.body().readNBytes(request.length));
            connect.writeRaw("0\r\n\r\n");
            assertTrue(clientReads.ended(10), "the connect response ends once both directions have");
            assertEquals(-1, accept.body().read());
        }
    }

    /**
     * A duplex connect whose client resets it while it waits: the relay reads nothing of a waiting
     * connect, so it learns of the reset only when the accept opens the tunnel and the connect's
     * head fails to go out. The duplex accept, whose body stays open, must still get its whole
     * answer at once: its proxy reads that answer before it ends its body, and holds its TCP
     * connection to the target meanwhile.
     */
    @Test
    void aDuplexAcceptOfAConnectResetWhileWaitingGetsItsWholeAnswerAtOnce() throws Exception {
        final CompletableFuture<HttpResponse<String>> listen = calls.textAsync(SERVER_KEY, "v1/srv/listen/dupr");
        final ChunkedUpload connect = new ChunkedUpload(relay.port(), "/relay/v1/srv/connect/dupr", CLIENT_KEY,
                DUPLEX_HEADER);
        connect.write("PTH1".getBytes(StandardCharsets.US_ASCII));
        final String id = listen.get(20, TimeUnit.SECONDS).body().strip();
        connect.kill();
        try (ChunkedUpload accept = new ChunkedUpload(relay.port(), "/relay/v1/srv/accept/" + id, SERVER_KEY,
                DUPLEX_HEADER)) {
            accept.write("PTH1".getBytes(StandardCharsets.US_ASCII));
            final ChunkedResponse answer = ChunkedResponse.head(accept.response());
            assertEquals(410, answer.status());
            assertTrue(answer.header("Ptth-Reason").startsWith("tunnel closed: "), answer.header("Ptth-Reason"));
            final int length = Integer.parseInt(answer.header("Content-Length"));
            final CompletableFuture<byte[]> body = CompletableFuture.supplyAsync(() -> {
                try {
                    return accept.response().readNBytes(length);
                } catch (final java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                // generous: only stops the wait for a body the head promised and the relay never sends
                assertEquals(length, body.get(10, TimeUnit.SECONDS).length, "the answer's body");
            } catch (final java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the head promised a body of " + length + " bytes that did not come", e);
            }
        }
    }

    @Test
    void idIsTakenOncePerEndpointAndOnlyByItsOwners() throws Exception {
        final Opened t = open("once");
        assertEquals(409, calls.text(SERVER_KEY, "v1/srv/accept/" + t.id()).statusCode());
        assertEquals(403, calls.text(EmbeddedRelay.OTHER_SERVER_KEY, "v1/srv/downstream/" + t.id()).statusCode());
        assertEquals(409, calls.text(EmbeddedRelay.OTHER_SERVER_KEY, "v1/other/downstream/" + t.id()).statusCode());
        final ChunkedUpload up = upload(CLIENT_KEY, "v1/srv/upstream/" + t.id());
        final ChunkedUpload down = upload(SERVER_KEY, "v1/srv/downstream/" + t.id());
        // Both streams are attached once their first bytes came through.
        up.write(new byte[] {1});
        assertEquals(1, t.accept().body().read());
        down.write(new byte[] {2});
        assertEquals(2, t.connect().body().read());
        assertEquals(409, calls.text(CLIENT_KEY, "v1/srv/upstream/" + t.id()).statusCode());
        assertEquals(409, calls.text(SERVER_KEY, "v1/srv/downstream/" + t.id()).statusCode());
        assertEquals(204, up.finish());
        assertEquals(204, down.finish());
        assertEquals(-1, t.accept().body().read());
        assertEquals(-1, t.connect().body().read());
    }

    @Test
    void aFailedStreamEndsTheOthers() throws Exception {
        final Opened t = open("abort");
        final ChunkedUpload down = upload(SERVER_KEY, "v1/srv/downstream/" + t.id());
        // A byte through it: the downstream is attached (one that comes after the tunnel ended gets 409).
        down.write(new byte[] {2});
        assertEquals(2, t.connect().body().read());
        // The client's upstream connection dies mid-body: half a chunk, then a reset.
        final ChunkedUpload up = upload(CLIENT_KEY, "v1/srv/upstream/" + t.id());
        up.writeRaw("10\r\nhalf");
        assertEquals("half", new String(t.accept().body().readNBytes(4), StandardCharsets.US_ASCII));
        up.kill();
        // Both streamed responses end; the server proxy, seeing that, ends its downstream and hears 410.
        assertEquals(-1, drain(t.accept().body()));
        assertEquals(-1, drain(t.connect().body()));
        assertEquals(410, down.finish());
    }

    @Test
    void segmentedUploadsAreSplicedInOrderAndEachIsAnsweredOnceRelayed() throws Exception {
        final Opened t = open("segments");
        final ChunkedUpload down = upload(SERVER_KEY, "v1/srv/downstream/" + t.id());
        final byte[][] parts = {random(70_000, 3), random(5, 4), random(300_000, 5)};
        final CompletableFuture<byte[]> serverReads = CompletableFuture.supplyAsync(() -> readAll(t.accept().body()));
        for (int i = 0; i < parts.length; i++) {
            final String which = i == parts.length - 1 ? "last" : "more";
            final HttpResponse<String> answer = HttpClient.newHttpClient().send(
                    calls.post(CLIENT_KEY, "v1/srv/upstream/" + t.id()).header("Ptth-Segment", which)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(parts[i])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(204, answer.statusCode(), answer.body());
        }
        final byte[] all = new byte[parts[0].length + parts[1].length + parts[2].length];
        System.arraycopy(parts[0], 0, all, 0, parts[0].length);
        System.arraycopy(parts[1], 0, all, parts[0].length, parts[1].length);
        System.arraycopy(parts[2], 0, all, parts[0].length + parts[1].length, parts[2].length);
        assertArrayEquals(all, serverReads.get(30, TimeUnit.SECONDS));
        // After the last segment the direction takes nothing more, streaming or segmented.
        final HttpResponse<String> late = HttpClient.newHttpClient().send(
                calls.post(CLIENT_KEY, "v1/srv/upstream/" + t.id()).header("Ptth-Segment", "more")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(parts[1])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(409, late.statusCode());
        assertEquals(409, calls.text(CLIENT_KEY, "v1/srv/upstream/" + t.id()).statusCode());
        assertEquals(204, down.finish());
        assertEquals(-1, t.connect().body().read());
    }

    @Test
    void statusEndpointCountsTunnelsForTheAdminKeyOnly() throws Exception {
        assertEquals(401, calls.text(CLIENT_KEY, "status").statusCode());
        final Opened t = open("status");
        final HttpResponse<String> status = calls.text(EmbeddedRelay.ADMIN_KEY, "status");
        assertEquals(200, status.statusCode());
        assertTrue(status.body().matches("(?s).*tunnels=[1-9].*threads=\\d+.*heap_used_bytes=\\d+.*"), status.body());
        final ChunkedUpload up = upload(CLIENT_KEY, "v1/srv/upstream/" + t.id());
        final ChunkedUpload down = upload(SERVER_KEY, "v1/srv/downstream/" + t.id());
        assertEquals(204, up.finish());
        assertEquals(204, down.finish());
    }

    @Test
    void aStreamCallThatNeverComesEndsTheTunnel() throws Exception {
        // The server proxy heard of an abort before it posted its downstream, and so never posts it.
        final Opened t = open("half");
        final ChunkedUpload up = upload(CLIENT_KEY, "v1/srv/upstream/" + t.id());
        up.write(new byte[] {7});
        assertEquals(7, t.accept().body().read());
        assertEquals(-1, drain(t.connect().body()));
        assertEquals(-1, drain(t.accept().body()));
        assertEquals(410, up.finish());
    }

    @Test
    void refusedConnectionGives502WithTheReason() throws Exception {
        final CompletableFuture<HttpResponse<String>> listen = calls.textAsync(SERVER_KEY, "v1/srv/listen/db");
        relay.awaitParkedPoll("srv", "db");
        final CompletableFuture<HttpResponse<String>> connect = calls.textAsync(CLIENT_KEY, "v1/srv/connect/db");
        final String id = listen.get(20, TimeUnit.SECONDS).body().strip();
        final java.net.http.HttpRequest refuse = calls.post(SERVER_KEY, "v1/srv/refuse/" + id)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("connection refused by 127.0.0.1:5432")).build();
        assertEquals(204, java.net.http.HttpClient.newHttpClient().send(refuse,
                HttpResponse.BodyHandlers.discarding()).statusCode());
        final HttpResponse<String> answer = connect.get(20, TimeUnit.SECONDS);
        assertEquals(502, answer.statusCode());
        assertTrue(answer.body().contains("connection refused by 127.0.0.1:5432"), answer.body());
    }

    @Test
    void connectWithoutListenerGets404AfterTheWait() throws Exception {
        final HttpResponse<String> answer = calls.text(CLIENT_KEY, "v1/srv/connect/nobody");
        assertEquals(404, answer.statusCode());
        assertEquals("no such server or port online", answer.body().strip());
    }

    @Test
    void unansweredOfferGoesToAnotherPoll() throws Exception {
        // The first poll's server proxy "dies": it gets the ID and never accepts.
        final CompletableFuture<HttpResponse<String>> dead = calls.textAsync(SERVER_KEY, "v1/srv/listen/web");
        relay.awaitParkedPoll("srv", "web");
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.download(CLIENT_KEY, "v1/srv/connect/web");
        final String deadId = dead.get(20, TimeUnit.SECONDS).body().strip();
        final CompletableFuture<HttpResponse<String>> alive = calls.textAsync(SERVER_KEY, "v1/srv/listen/web");
        final String id = alive.get(20, TimeUnit.SECONDS).body().strip();
        assertTrue(!id.equals(deadId));
        assertEquals(409, calls.text(SERVER_KEY, "v1/srv/accept/" + deadId).statusCode());
        final HttpResponse<InputStream> accept = calls.download(SERVER_KEY, "v1/srv/accept/" + id).get(20, TimeUnit.SECONDS);
        assertEquals(200, accept.statusCode());
        assertEquals(200, connect.get(20, TimeUnit.SECONDS).statusCode());
    }

    @Test
    void badCallsGetClearStatuses() throws Exception {
        assertEquals(401, calls.text(null, "v1/srv/listen/ssh").statusCode());
        assertEquals(401, calls.text("nope", "v1/srv/listen/ssh").statusCode());
        assertEquals(403, calls.text(CLIENT_KEY, "v1/srv/listen/ssh").statusCode());
        assertEquals(403, calls.text(SERVER_KEY, "v1/srv/connect/ssh").statusCode());
        assertEquals(403, calls.text(SERVER_KEY, "v1/other/listen/ssh").statusCode());
        assertEquals(404, calls.text(CLIENT_KEY, "v1/other/connect/ssh").statusCode());
        assertEquals(400, calls.text(CLIENT_KEY, "v1/srv/upstream/short").statusCode());
        assertEquals(400, calls.text(SERVER_KEY, "v1/srv/listen/a%20b").statusCode());
        assertEquals(409, calls.text(CLIENT_KEY, "v1/srv/upstream/" + "A".repeat(32)).statusCode());
        final HttpResponse<String> get = java.net.http.HttpClient.newHttpClient().send(
                calls.post(SERVER_KEY, "v1/srv/listen/ssh").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
    }

    private static final String DUPLEX_HEADER = "Ptth-Duplex: 1\r\n";

    /** A response read off a raw socket: its head, then its chunked body, a bounded wait at a time. */
    private static final class RawResponse {
        private final InputStream in;
        private final int status;
        private final java.util.Map<String, String> headers;
        private final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        private boolean ended;

        private RawResponse(final InputStream in, final int status, final java.util.Map<String, String> headers) {
            this.in = in;
            this.status = status;
            this.headers = headers;
        }

        static RawResponse head(final InputStream in) throws java.io.IOException {
            final String statusLine = line(in);
            final java.util.Map<String, String> headers = new java.util.HashMap<>();
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                final int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT),
                        header.substring(colon + 1).strip());
            }
            assertEquals("chunked", headers.get("transfer-encoding"), statusLine);
            return new RawResponse(in, Integer.parseInt(statusLine.split(" ")[1]), headers);
        }

        int status() {
            return status;
        }

        String header(final String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        /** The next {@code count} bytes of the body, or a failure after {@code seconds} without them. */
        byte[] readBody(final int count, final int seconds) throws Exception {
            final byte[] taken = CompletableFuture.supplyAsync(() -> {
                try {
                    while (body.size() < count && !ended) {
                        chunk();
                    }
                    final byte[] all = body.toByteArray();
                    body.reset();
                    body.write(all, Math.min(count, all.length), all.length - Math.min(count, all.length));
                    return Arrays.copyOf(all, Math.min(count, all.length));
                } catch (final java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(seconds, TimeUnit.SECONDS);
            assertEquals(count, taken.length, "the body ended early");
            return taken;
        }

        /** Whether the body ends, with nothing more in it, within {@code seconds}. */
        boolean ended(final int seconds) throws Exception {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    while (!ended && body.size() == 0) {
                        chunk();
                    }
                    return ended && body.size() == 0;
                } catch (final java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(seconds, TimeUnit.SECONDS);
        }

        private void chunk() throws java.io.IOException {
            final String size = line(in);
            final int length = Integer.parseInt(size.split(";")[0].strip(), 16);
            if (length == 0) {
                while (!line(in).isEmpty()) {
                    // trailers: none expected
                }
                ended = true;
                return;
            }
            body.write(in.readNBytes(length));
            assertEquals("", line(in), "chunk not followed by CRLF");
        }

        private static String line(final InputStream in) throws java.io.IOException {
            final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.write(c);
            }
            if (c < 0) {
                throw new java.io.EOFException("connection closed mid-response");
            }
            return line.toString(StandardCharsets.US_ASCII).replace("\r", "");
        }
    }

    private static ChunkedUpload upload(final String key, final String path) throws java.io.IOException {
        return new ChunkedUpload(relay.port(), "/relay/" + path, key);
    }

    private static void writeInPieces(final ChunkedUpload upload, final byte[] data) throws java.io.IOException {
        for (int off = 0; off < data.length; off += 50_000) {
            upload.write(data, off, Math.min(50_000, data.length - off));
        }
    }

    private static byte[] random(final int size, final long seed) {
        final byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readAll(final InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (final java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reads to the end; an abrupt end counts as the end too. */
    private static int drain(final InputStream in) {
        try {
            final byte[] b = new byte[8192];
            while (in.read(b) >= 0) {
                // keep reading
            }
            return -1;
        } catch (final java.io.IOException e) {
            return -1;
        }
    }

    @SuppressWarnings("unused")
    private static boolean same(final byte[] a, final byte[] b) {
        return Arrays.equals(a, b);
    }
}
