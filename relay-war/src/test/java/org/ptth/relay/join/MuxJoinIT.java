package org.ptth.relay.join;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.protocol.mux.Payloads;
import org.ptth.protocol.pth1.Frame;
import org.ptth.protocol.pth1.FrameReader;
import org.ptth.protocol.pth1.FrameWriter;
import org.ptth.relay.support.ChunkedResponse;
import org.ptth.relay.support.ChunkedUpload;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.MuxClient;
import org.ptth.relay.support.RelayCalls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;
import static org.ptth.relay.support.MuxClient.end;
import static org.ptth.relay.support.MuxClient.listen;
import static org.ptth.relay.support.MuxClient.opened;

/**
 * A mux proxy on one side of a tunnel, a four-stream or duplex proxy on the other, through the relay
 * in an embedded Tomcat: the relay speaks PTH1 on the HTTP side, every byte is checked both ways,
 * half-close, refusals, aborts, credit in both directions, segmented uploads and heartbeats.
 */
// on a thread of its own, so that a blocking read that never returns fails the test instead of hanging it
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MuxJoinIT {
    private static EmbeddedRelay relay;
    private static RelayCalls calls;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        relay = new EmbeddedRelay("connect.wait=3s\naccept.timeout=1s\n");
        calls = new RelayCalls(relay.baseUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (final AutoCloseable c : opened) {
            c.close();
        }
    }

    private MuxClient mux(final String key) throws Exception {
        final MuxClient c = MuxClient.connect(relay.baseUrl(), "srv", key);
        opened.add(c);
        return c;
    }

    private ChunkedUpload upload(final String key, final String relative, final String headers) throws IOException {
        final ChunkedUpload u = new ChunkedUpload(relay.port(), "/relay/" + relative, key, headers);
        opened.add(u);
        return u;
    }

    private static byte[] random(final int n, final long seed) {
        final byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** PTH1 bytes written by the proxies' own writer. */
    private interface Frames1 {
        void write(FrameWriter w) throws IOException;
    }

    private static byte[] pth1(final Frames1 frames) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            frames.write(new FrameWriter(out));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** DATA frames from a PTH1 body until {@code n} bytes came; anything else is a failure. */
    private static byte[] readData(final FrameReader reader, final int n) throws IOException {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            final Frame f = reader.next();
            if (f.type() == org.ptth.protocol.pth1.FrameType.HEARTBEAT) {
                continue;
            }
            assertEquals(org.ptth.protocol.pth1.FrameType.DATA, f.type(), "after " + got.size() + " bytes: " + f.reason());
            got.writeBytes(f.payload());
        }
        return got.toByteArray();
    }

    private static Frame nextNotHeartbeat(final FrameReader reader) throws IOException {
        Frame f;
        do {
            f = reader.next();
        } while (f.type() == org.ptth.protocol.pth1.FrameType.HEARTBEAT);
        return f;
    }

    /** Writes bytes as DATA frames of {@code frameBytes}, in one chunk each. */
    private static void sendData(final ChunkedUpload body, final byte[] bytes, final int frameBytes) throws IOException {
        for (int at = 0; at < bytes.length; at += frameBytes) {
            final int from = at;
            final int n = Math.min(frameBytes, bytes.length - at);
            body.write(pth1(w -> w.data(bytes, from, n)));
        }
    }

    private static final byte[] PREAMBLE = "PTH1".getBytes(StandardCharsets.US_ASCII);

    // ---- a mux client, a classic server

    /**
     * A listen poll of the classic server, sent and parked at the relay before this returns: a mux
     * client's OPEN sent before the poll arrived would wait for it, at most connect.wait (3 s here),
     * which the first request of a cold HTTP client on a loaded machine can take.
     */
    private CompletableFuture<HttpResponse<String>> parkedPoll(final String port) throws Exception {
        final long before = relay.status().get("parked_polls");
        final CompletableFuture<HttpResponse<String>> poll = calls.textAsync(SERVER_KEY, "v1/srv/listen/" + port);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (relay.status().get("parked_polls") <= before && !poll.isDone()) {
            assertTrue(System.nanoTime() < deadline, "the listen poll of " + port + " was not parked");
            Thread.sleep(10);
        }
        return poll;
    }

    /** The classic server's poll answered for the mux client's OPEN: the connection ID. */
    private static String polledId(final CompletableFuture<HttpResponse<String>> poll) throws Exception {
        final HttpResponse<String> offer = poll.get(30, TimeUnit.SECONDS);
        assertEquals(200, offer.statusCode(), offer.body());
        final String id = offer.headers().firstValue("Ptth-Connection-Id").orElseThrow();
        assertEquals(id + "\n", offer.body());
        return id;
    }

    @Test
    void aMuxClientReachesAFourStreamServerAndEveryByteCrossesBothWays() throws Exception {
        final CompletableFuture<HttpResponse<String>> poll = parkedPoll("ssh");
        final MuxClient client = mux(CLIENT_KEY).autoCredit();
        final byte[] hello = "SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII);
        client.open(1, "ssh", hello);
        final String id = polledId(poll);

        final HttpResponse<InputStream> accept = calls.download(SERVER_KEY, "v1/srv/accept/" + id).get(30, TimeUnit.SECONDS);
        assertEquals(200, accept.statusCode());
        assertEquals("application/octet-stream", accept.headers().firstValue("Content-Type").orElse(null));
        assertEquals("no", accept.headers().firstValue("X-Accel-Buffering").orElse(null));
        client.expect(FrameType.OPENED, 1);
        final FrameReader upstream = new FrameReader(accept.body());
        assertArrayEquals(hello, readData(upstream, hello.length), "the first bytes come first");

        final ChunkedUpload downstream = upload(SERVER_KEY, "v1/srv/downstream/" + id, "");
        downstream.write(PREAMBLE);
        final byte[] up = random(1_500_000, 1);
        final byte[] down = random(900_001, 2);
        final CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try {
                client.sendData(1, up);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        final CompletableFuture<byte[]> serverReads = CompletableFuture.supplyAsync(() -> {
            try {
                return readData(upstream, up.length);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        sendData(downstream, down, 100_000);
        client.expectData(1, down);
        assertArrayEquals(up, serverReads.get(30, TimeUnit.SECONDS));
        sending.get(30, TimeUnit.SECONDS);

        // half-close each way: the client ends, the server still answers, then ends
        client.send(end(1));
        assertEquals(org.ptth.protocol.pth1.FrameType.END, nextNotHeartbeat(upstream).type());
        assertEquals(-1, accept.body().read(), "the upstream response ends after END");
        final byte[] last = "the answer after the half-close".getBytes(StandardCharsets.US_ASCII);
        downstream.write(pth1(w -> {
            w.data(last, 0, last.length);
            w.end();
        }));
        client.expectData(1, last);
        client.expect(FrameType.END, 1);
        assertEquals(204, downstream.finish(), "the downstream call is answered once its body was relayed");
    }

    @Test
    void aMuxClientReachesADuplexServerWhoseAcceptBodyCarriesTheDownstream() throws Exception {
        final CompletableFuture<HttpResponse<String>> poll = parkedPoll("dup");
        final MuxClient client = mux(CLIENT_KEY).autoCredit();
        client.open(1, "dup", "first".getBytes(StandardCharsets.US_ASCII));
        final String id = polledId(poll);
        final ChunkedUpload accept = upload(SERVER_KEY, "v1/srv/accept/" + id, "Ptth-Duplex: 1\r\n");
        accept.write(PREAMBLE);
        final ChunkedResponse response = ChunkedResponse.head(accept.response());
        assertEquals(200, response.status());
        assertEquals("1", response.header("Ptth-Duplex"));
        client.expect(FrameType.OPENED, 1);
        final FrameReader upstream = new FrameReader(response);
        assertArrayEquals("first".getBytes(StandardCharsets.US_ASCII), readData(upstream, 5));

        final byte[] down = random(300_000, 3);
        sendData(accept, down, 50_000);
        client.expectData(1, down);
        final byte[] up = random(200_000, 4);
        client.sendData(1, up);
        assertArrayEquals(up, readData(upstream, up.length));
        client.send(end(1));
        assertEquals(org.ptth.protocol.pth1.FrameType.END, nextNotHeartbeat(upstream).type());
        accept.write(pth1(FrameWriter::end));
        client.expect(FrameType.END, 1);
        accept.writeRaw("0\r\n\r\n"); // the duplex body ends once both directions have
        assertEquals(-1, response.read(), "the accept's response ends with its tunnel");
    }

    @Test
    void aClassicServerThatRefusesReachesTheMuxClientAs502WithItsReason() throws Exception {
        final CompletableFuture<HttpResponse<String>> poll = parkedPoll("ssh");
        final MuxClient client = mux(CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        final String id = polledId(poll);
        final java.net.http.HttpResponse<String> refused = calls.http().send(calls.post(SERVER_KEY, "v1/srv/refuse/" + id)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("connect to 127.0.0.1:22: refused")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, refused.statusCode(), refused.body());
        final MuxClient.Frame refuse = client.expect(FrameType.REFUSE, 1);
        assertEquals(502, refuse.status());
        assertEquals("target refused by server proxy: connect to 127.0.0.1:22: refused", refuse.text());
    }

    @Test
    void aPollWhoseProxyNeverAcceptsIsGivenUpAndTheTunnelGoesToTheNextPoll() throws Exception {
        final CompletableFuture<HttpResponse<String>> dead = parkedPoll("retry");
        final MuxClient client = mux(CLIENT_KEY).autoCredit();
        final byte[] first = "kept for the second offer".getBytes(StandardCharsets.US_ASCII);
        client.open(1, "retry", first);
        polledId(dead); // a server proxy that vanished would never accept this one
        final CompletableFuture<HttpResponse<String>> alive = parkedPoll("retry");
        final String id = polledId(alive);
        final HttpResponse<InputStream> accept = calls.download(SERVER_KEY, "v1/srv/accept/" + id).get(30, TimeUnit.SECONDS);
        assertEquals(200, accept.statusCode());
        client.expect(FrameType.OPENED, 1);
        assertArrayEquals(first, readData(new FrameReader(accept.body()), first.length));
    }

    @Test
    void aMuxClientAbortIsAnAbortFrameForTheClassicServerAndItsDownstreamCallIsEnded() throws Exception {
        final CompletableFuture<HttpResponse<String>> poll = parkedPoll("ssh");
        final MuxClient client = mux(CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        final String id = polledId(poll);
        final HttpResponse<InputStream> accept = calls.download(SERVER_KEY, "v1/srv/accept/" + id).get(30, TimeUnit.SECONDS);
        client.expect(FrameType.OPENED, 1);
        final ChunkedUpload downstream = upload(SERVER_KEY, "v1/srv/downstream/" + id, "");
        downstream.write(pth1(w -> {
            w.preamble();
            w.data(new byte[] {42}, 0, 1);
        }));
        client.expectData(1, new byte[] {42}); // the downstream call is in
        client.send(MuxClient.abort(1, "connection reset by peer"));
        final Frame abort = nextNotHeartbeat(new FrameReader(accept.body()));
        assertEquals(org.ptth.protocol.pth1.FrameType.ABORT, abort.type());
        assertEquals("connection reset by peer", abort.reason());
        assertEquals(410, downstream.status(), "the downstream call still streaming is answered and ended");
    }

    @Test
    void aClassicServerWhoseDownstreamIsCutMakesTheMuxClientAbort() throws Exception {
        final CompletableFuture<HttpResponse<String>> poll = parkedPoll("ssh");
        final MuxClient client = mux(CLIENT_KEY);
        client.open(1, "ssh", new byte[0]);
        final String id = polledId(poll);
        calls.download(SERVER_KEY, "v1/srv/accept/" + id).get(30, TimeUnit.SECONDS);
        client.expect(FrameType.OPENED, 1);
        final ChunkedUpload downstream = upload(SERVER_KEY, "v1/srv/downstream/" + id, "");
        downstream.write(pth1(w -> {
            w.preamble();
            w.data("partial".getBytes(StandardCharsets.US_ASCII), 0, 7);
        }));
        client.expectData(1, "partial".getBytes(StandardCharsets.US_ASCII));
        downstream.kill();
        assertTrue(client.expect(FrameType.ABORT, 1).text().length() > 0);
    }

    // ---- a classic client, a mux server

    /** The mux server's OPEN: its number there. */
    private static int offered(final MuxClient server, final String port) throws Exception {
        final MuxClient.Frame f = server.nextSkipping(Set.of(FrameType.PONG, FrameType.CREDIT));
        assertEquals(FrameType.OPEN, f.type(), f.toString());
        final Payloads.Open open = Payloads.open(ByteBuffer.wrap(f.payload()));
        assertEquals(port, open.port());
        assertTrue(open.label().startsWith("cli from 127.0.0.1"), open.label());
        return f.tunnel();
    }

    @Test
    void aFourStreamClientReachesAMuxServerAndEveryByteCrossesBothWays() throws Exception {
        final MuxClient server = mux(SERVER_KEY).autoCredit();
        server.send(listen("ssh"));
        server.send(MuxClient.ping(1));
        assertEquals(FrameType.PONG, server.next().type());
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.download(CLIENT_KEY, "v1/srv/connect/ssh");
        final int number = offered(server, "ssh");
        server.send(opened(number));
        final HttpResponse<InputStream> connected = connect.get(30, TimeUnit.SECONDS);
        assertEquals(200, connected.statusCode());
        final String id = connected.headers().firstValue("Ptth-Connection-Id").orElseThrow();
        assertTrue(id.matches("[A-Za-z0-9_-]{32}"), id);
        final FrameReader downstream = new FrameReader(connected.body());

        final ChunkedUpload upstream = upload(CLIENT_KEY, "v1/srv/upstream/" + id, "");
        upstream.write(PREAMBLE);
        final byte[] up = random(1_200_000, 5);
        final byte[] down = random(800_000, 6);
        final CompletableFuture<Void> uploading = CompletableFuture.runAsync(() -> {
            try {
                sendData(upstream, up, 300_000);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        final CompletableFuture<byte[]> clientReads = CompletableFuture.supplyAsync(() -> {
            try {
                return readData(downstream, down.length);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        server.sendData(number, down);
        server.expectData(number, up);
        assertArrayEquals(down, clientReads.get(30, TimeUnit.SECONDS));
        uploading.get(30, TimeUnit.SECONDS);

        // the server ends first; the client still sends, then ends
        server.send(end(number));
        assertEquals(org.ptth.protocol.pth1.FrameType.END, nextNotHeartbeat(downstream).type());
        upstream.write(pth1(w -> {
            w.data("bye".getBytes(StandardCharsets.US_ASCII), 0, 3);
            w.end();
        }));
        server.expectData(number, "bye".getBytes(StandardCharsets.US_ASCII));
        server.expect(FrameType.END, number);
        assertEquals(204, upstream.finish());
    }

    @Test
    void aDuplexClientReachesAMuxServerAndItsBodyIsReadOnlyOnceTheTunnelIsOpen() throws Exception {
        final MuxClient server = mux(SERVER_KEY).autoCredit();
        server.send(listen("dup"));
        server.send(MuxClient.ping(1));
        assertEquals(FrameType.PONG, server.next().type());
        final ChunkedUpload connect = upload(CLIENT_KEY, "v1/srv/connect/dup", "Ptth-Duplex: 1\r\n");
        final byte[] early = "sent with the connect".getBytes(StandardCharsets.US_ASCII);
        connect.write(pth1(w -> {
            w.preamble();
            w.data(early, 0, early.length);
        }));
        final int number = offered(server, "dup");
        assertNull(server.poll(300), "nothing of the body before the tunnel is open");
        server.send(opened(number));
        final ChunkedResponse response = ChunkedResponse.head(connect.response());
        assertEquals(200, response.status());
        assertEquals("1", response.header("Ptth-Duplex"));
        server.expectData(number, early);
        final byte[] down = random(400_000, 7);
        server.sendData(number, down);
        final FrameReader downstream = new FrameReader(response);
        assertArrayEquals(down, readData(downstream, down.length));
        connect.write(pth1(FrameWriter::end));
        server.expect(FrameType.END, number);
        server.send(end(number));
        assertEquals(org.ptth.protocol.pth1.FrameType.END, nextNotHeartbeat(downstream).type());
        connect.writeRaw("0\r\n\r\n");
        assertEquals(-1, response.read());
    }

    @Test
    void aMuxServersRefusalIsTheConnectsAnswer502() throws Exception {
        final MuxClient server = mux(SERVER_KEY);
        server.send(listen("ssh"));
        server.send(MuxClient.ping(1));
        assertEquals(FrameType.PONG, server.next().type());
        final CompletableFuture<HttpResponse<String>> connect = calls.textAsync(CLIENT_KEY, "v1/srv/connect/ssh");
        server.send(MuxClient.refuse(offered(server, "ssh"), 502, "nope"));
        final HttpResponse<String> answer = connect.get(30, TimeUnit.SECONDS);
        assertEquals(502, answer.statusCode());
        assertEquals("target refused by server proxy: nope", answer.headers().firstValue("Ptth-Reason").orElse(null));
    }

    @Test
    void aConnectWaitingForAPollIsTakenByAMuxServerThatListensOnItsPortLater() throws Exception {
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.download(CLIENT_KEY, "v1/srv/connect/later");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (relay.status().get("tunnels") < 1) {
            assertTrue(System.nanoTime() < deadline, "the connect did not arrive");
            Thread.sleep(20);
        }
        final MuxClient server = mux(SERVER_KEY).autoCredit();
        server.send(listen("later"));
        final int number = offered(server, "later");
        server.send(opened(number));
        final HttpResponse<InputStream> connected = connect.get(30, TimeUnit.SECONDS);
        assertEquals(200, connected.statusCode());
        server.send(MuxClient.data(number, "welcome".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals("welcome".getBytes(StandardCharsets.US_ASCII), readData(new FrameReader(connected.body()), 7));
        assertEquals(1, relay.status().get("tunnels"), "counted once");
    }

    @Test
    void segmentedUploadsCrossTheJoinAndARepeatedSegmentIsNotRelayedTwice() throws Exception {
        final MuxClient server = mux(SERVER_KEY).autoCredit();
        server.send(listen("seg"));
        server.send(MuxClient.ping(1));
        assertEquals(FrameType.PONG, server.next().type());
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.download(CLIENT_KEY, "v1/srv/connect/seg");
        final int number = offered(server, "seg");
        server.send(opened(number));
        final String id = connect.get(30, TimeUnit.SECONDS).headers().firstValue("Ptth-Connection-Id").orElseThrow();
        final byte[] first = pth1(w -> {
            w.preamble();
            w.data("one".getBytes(StandardCharsets.US_ASCII), 0, 3);
        });
        final byte[] second = pth1(w -> {
            w.data("two".getBytes(StandardCharsets.US_ASCII), 0, 3);
            w.end();
        });
        assertEquals(204, segment(id, first, "more", 0));
        assertEquals(204, segment(id, first, "more", 0), "a repeat is answered as done");
        assertEquals(204, segment(id, second, "last", 1));
        server.expectData(number, "onetwo".getBytes(StandardCharsets.US_ASCII));
        server.expect(FrameType.END, number);
    }

    /** One segment of an upstream, as a finite POST; returns its status. */
    private int segment(final String id, final byte[] body, final String kind, final int number) throws IOException {
        try (Socket s = new Socket("127.0.0.1", relay.port())) {
            s.setSoTimeout(30_000);
            final OutputStream out = s.getOutputStream();
            out.write(("POST /relay/v1/srv/upstream/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + CLIENT_KEY + "\r\nContent-Length: " + body.length + "\r\nPtth-Segment: " + kind
                    + "\r\nPtth-Segment-Number: " + number + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            final String statusLine = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(statusLine.substring(9, 12));
        }
    }

    // ---- credit across the join

    @Test
    void aMuxServerThatGrantsNoCreditHoldsTheClassicClientsUploadToTheWindow() throws Exception {
        final MuxClient server = mux(SERVER_KEY);
        server.send(listen("slow"));
        server.send(MuxClient.ping(1));
        assertEquals(FrameType.PONG, server.next().type());
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.download(CLIENT_KEY, "v1/srv/connect/slow");
        final int number = offered(server, "slow");
        server.send(opened(number));
        final String id = connect.get(30, TimeUnit.SECONDS).headers().firstValue("Ptth-Connection-Id").orElseThrow();
        final ChunkedUpload upstream = upload(CLIENT_KEY, "v1/srv/upstream/" + id, "");
        upstream.write(PREAMBLE);
        final byte[] up = random(1 << 20, 8);
        sendData(upstream, up, 64 * 1024);
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (MuxClient.Frame f = server.poll(1000); f != null; f = server.poll(1000)) {
            assertEquals(FrameType.DATA, f.type(), f.toString());
            got.writeBytes(f.payload());
        }
        assertEquals(Frames.INITIAL_WINDOW, got.size(), "the relay read only what the server's credit allowed");
        server.send(MuxClient.credit(number, up.length - Frames.INITIAL_WINDOW));
        while (got.size() < up.length) {
            got.writeBytes(server.expect(FrameType.DATA, number).payload());
        }
        assertArrayEquals(up, got.toByteArray());
    }

    @Test
    void aClassicServerThatDoesNotReadLimitsTheMuxClientToWhatTheRelayCouldWrite() throws Exception {
        final CompletableFuture<HttpResponse<String>> poll = parkedPoll("stall");
        final MuxClient client = mux(CLIENT_KEY);
        client.open(1, "stall", new byte[0]);
        final String id = polledId(poll);
        final HttpResponse<InputStream> accept = calls.download(SERVER_KEY, "v1/srv/accept/" + id).get(30, TimeUnit.SECONDS);
        client.expect(FrameType.OPENED, 1);
        // its downstream call comes, as a server proxy's does: without it the relay ends the tunnel
        // after connect.wait (3 s here), which a loaded machine can reach before the last byte is read
        final ChunkedUpload downstream = upload(SERVER_KEY, "v1/srv/downstream/" + id, "");
        downstream.write(PREAMBLE);
        final byte[] up = random(32 << 20, 9);
        final CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try {
                client.sendData(1, up);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // the server proxy reads nothing: the client's credit stops growing well short of 32 MiB
        long last = -1;
        while (client.creditReceived(1) != last || client.creditLeft(1) > 0) {
            last = client.creditReceived(1);
            Thread.sleep(500);
        }
        assertTrue(client.creditReceived(1) < up.length / 2, "credit granted: " + client.creditReceived(1));
        assertArrayEquals(up, readData(new FrameReader(accept.body()), up.length));
        sending.get(30, TimeUnit.SECONDS);
    }

    // ---- PTH1 flow control on the HTTP side

    @Test
    void aClassicServerWithFlowControlKeepsItsTunnelWhileItReadsNothingAndGrantsItsOwnCredit() throws Exception {
        final CompletableFuture<HttpResponse<String>> poll = parkedPoll("fc");
        final MuxClient client = mux(CLIENT_KEY).autoCredit();
        client.open(1, "fc", new byte[0]);
        final String id = polledId(poll);
        final HttpResponse<InputStream> accept = calls.http().sendAsync(calls.post(SERVER_KEY, "v1/srv/accept/" + id)
                        .header("Ptth-Credit", "1").POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofInputStream()).get(30, TimeUnit.SECONDS);
        assertEquals(200, accept.statusCode());
        assertEquals("1", accept.headers().firstValue("Ptth-Credit").orElse(null), "the relay agrees on flow control");
        client.expect(FrameType.OPENED, 1);
        final ChunkedUpload downstream = upload(SERVER_KEY, "v1/srv/downstream/" + id, "");
        downstream.write(PREAMBLE);

        // the server proxy reads nothing: the client may send the PTH1 window (1 MiB) and no more
        final byte[] up = random(3 << 20, 10);
        final CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try {
                client.sendData(1, up);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (client.creditLeft(1) > 0) {
            assertTrue(System.nanoTime() < deadline, "credit left: " + client.creditLeft(1));
            Thread.sleep(50);
        }
        Thread.sleep(500);
        assertEquals(org.ptth.protocol.pth1.FrameFormat.CREDIT_WINDOW, client.creditReceived(1) + Frames.INITIAL_WINDOW,
                "the relay passed on the proxy's window, and nothing it was not granted");
        // the server proxy reads and grants as it goes: the rest follows, every byte
        final FrameReader upstream = new FrameReader(accept.body());
        upstream.withFlowControl();
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < up.length) {
            final Frame f = upstream.next();
            if (f.type() == org.ptth.protocol.pth1.FrameType.DATA) {
                got.writeBytes(f.payload());
                final int n = f.payload().length;
                downstream.write(pth1(w -> w.credit(n)));
            }
        }
        assertArrayEquals(up, got.toByteArray());
        sending.get(30, TimeUnit.SECONDS);

        // END does not end a body with flow control: the tunnel's end does
        client.send(end(1));
        assertEquals(org.ptth.protocol.pth1.FrameType.END, nextNotHeartbeat(upstream).type());
        downstream.write(pth1(FrameWriter::end));
        client.expect(FrameType.END, 1);
        assertNull(upstream.next(), "the upstream body ends once the tunnel is over");
        assertEquals(204, downstream.finish());
    }

    @Test
    void aClassicProxyThatGrantsWithoutLimitAtItsEndIsTakenAtItsWord() throws Exception {
        final CompletableFuture<HttpResponse<String>> poll = parkedPoll("fcend");
        final MuxClient client = mux(CLIENT_KEY).autoCredit();
        client.open(1, "fcend", new byte[0]);
        final String id = polledId(poll);
        final HttpResponse<InputStream> accept = calls.http().sendAsync(calls.post(SERVER_KEY, "v1/srv/accept/" + id)
                        .header("Ptth-Credit", "1").POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofInputStream()).get(30, TimeUnit.SECONDS);
        client.expect(FrameType.OPENED, 1);
        // a four-stream upload ends at END, after a CREDIT of 2^31 - 1: "send without limit from now on"
        final ChunkedUpload downstream = upload(SERVER_KEY, "v1/srv/downstream/" + id, "");
        downstream.write(pth1(w -> {
            w.preamble();
            w.credit(Integer.MAX_VALUE);
            w.end();
        }));
        assertEquals(204, downstream.finish());
        client.expect(FrameType.END, 1);
        final byte[] up = random(3 << 20, 11);
        final CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try {
                client.sendData(1, up);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        final FrameReader upstream = new FrameReader(accept.body());
        upstream.withFlowControl();
        assertArrayEquals(up, readData(upstream, up.length), "every byte, the tunnel not aborted");
        sending.get(30, TimeUnit.SECONDS);
        client.send(end(1));
        assertEquals(org.ptth.protocol.pth1.FrameType.END, nextNotHeartbeat(upstream).type());
    }

    @Test
    void aClassicClientWithFlowControlGetsTheMuxServersCreditAsPth1Credit() throws Exception {
        final MuxClient server = mux(SERVER_KEY);
        server.send(listen("fcc"));
        server.send(MuxClient.ping(1));
        assertEquals(FrameType.PONG, server.next().type());
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.http().sendAsync(
                calls.post(CLIENT_KEY, "v1/srv/connect/fcc").header("Ptth-Credit", "1")
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        final int number = offered(server, "fcc");
        server.send(opened(number));
        final HttpResponse<InputStream> connected = connect.get(30, TimeUnit.SECONDS);
        assertEquals("1", connected.headers().firstValue("Ptth-Credit").orElse(null));
        final FrameReader downstream = new FrameReader(connected.body());
        downstream.withFlowControl();
        // the mux server grants 2 MiB: the classic client, which started with 1 MiB, hears of what is beyond it
        server.send(MuxClient.credit(number, 2 << 20));
        final Frame credit = nextNotHeartbeat(downstream);
        assertEquals(org.ptth.protocol.pth1.FrameType.CREDIT, credit.type());
        assertEquals((2 << 20) - (org.ptth.protocol.pth1.FrameFormat.CREDIT_WINDOW - Frames.INITIAL_WINDOW), credit.credit());
        // and the mux server got the client's window at once (it arrives on the server's own connection)
        final long headStart = org.ptth.protocol.pth1.FrameFormat.CREDIT_WINDOW - Frames.INITIAL_WINDOW;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.creditReceived(number) < headStart && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(headStart, server.creditReceived(number));
    }

    // ---- heartbeats

    @Test
    void aQuietJoinedTunnelCarriesHeartbeatsToTheClassicProxy() throws Exception {
        final CompletableFuture<HttpResponse<String>> poll = parkedPoll("quiet");
        final MuxClient client = mux(CLIENT_KEY);
        client.open(1, "quiet", new byte[0]);
        final String id = polledId(poll);
        final HttpResponse<InputStream> accept = calls.download(SERVER_KEY, "v1/srv/accept/" + id).get(30, TimeUnit.SECONDS);
        client.expect(FrameType.OPENED, 1);
        final ChunkedUpload downstream = upload(SERVER_KEY, "v1/srv/downstream/" + id, "");
        downstream.write(PREAMBLE);
        final long start = System.nanoTime();
        final Frame heartbeat = new FrameReader(accept.body()).next();
        assertEquals(org.ptth.protocol.pth1.FrameType.HEARTBEAT, heartbeat.type());
        assertTrue(System.nanoTime() - start > TimeUnit.SECONDS.toNanos(8), "only when the direction was quiet");
    }
}
