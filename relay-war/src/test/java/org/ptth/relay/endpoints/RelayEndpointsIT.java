package org.ptth.relay.endpoints;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.ptth.relay.support.RawHttp;
import org.ptth.relay.arquillian.RelayArchive;
import org.ptth.relay.support.ChunkedUpload;
import org.ptth.relay.support.RelayCalls;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.arquillian.TestPrincipals.CLI;
import static org.ptth.relay.arquillian.TestPrincipals.NARROW;
import static org.ptth.relay.arquillian.TestPrincipals.OTHER;
import static org.ptth.relay.arquillian.TestPrincipals.SRV;
import static org.ptth.relay.arquillian.TestPrincipals.STRANGER;

/**
 * Every endpoint of the relay, deployed as a web application in an embedded Tomcat 10.1 and called
 * over HTTP on 127.0.0.1, the way the proxies call it: the happy paths, and each refusal of the
 * protocol's status table with its reason.
 */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelayEndpointsIT {
    private static final String ID_ALPHABET = "[A-Za-z0-9_-]{32}";
    private static final String UNKNOWN_ID = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    @ArquillianResource
    private URL base;

    private RelayCalls calls;

    @Deployment(testable = false)
    static WebArchive relay() throws IOException {
        final Path dir = Files.createTempDirectory("ptth-relay-it");
        final Path config = dir.resolve("ptth-relay.properties");
        Files.writeString(config, org.ptth.relay.arquillian.TestPrincipals.config(
                "listen.timeout=1s\nconnect.wait=2s\naccept.timeout=3s\n"));
        return RelayArchive.create("ptth-relay", config);
    }

    @BeforeEach
    void client() {
        assertEquals("127.0.0.1", base.getHost());
        calls = new RelayCalls(base.toString().endsWith("/") ? base.toString() : base + "/");
    }

    private String path(final String relative) {
        return base.getPath() + (base.getPath().endsWith("/") ? "" : "/") + relative;
    }

    private RawHttp.Response post(final String relative, final String key) throws IOException {
        return RawHttp.call(base, "POST", path(relative), key);
    }

    private ChunkedUpload upload(final String key, final String relative) throws IOException {
        return new ChunkedUpload(base.getPort(), path(relative), key);
    }

    private static void assertRefusal(final int status, final String reasonPart, final RawHttp.Response r) {
        assertAll(r.toString(),
                () -> assertEquals(status, r.status()),
                () -> assertEquals("text/plain;charset=UTF-8", r.header("Content-Type").replace(" ", "")),
                () -> assertTrue(r.body().endsWith("\n") && r.body().indexOf('\n') == r.body().length() - 1,
                        "one line of reason"),
                () -> assertTrue(r.body().contains(reasonPart), "reason should contain '" + reasonPart + "'"),
                () -> assertEquals(r.body().strip(), r.header("Ptth-Reason"), "the reason again in the head"));
    }

    // ---- happy paths

    @Test
    void listenWithoutClientIsAnswered204AfterTheListenTimeout() throws Exception {
        final HttpResponse<String> poll = calls.text(SRV, "v1/srv/listen/quiet");
        assertEquals(204, poll.statusCode());
        assertEquals("", poll.body());
        assertTrue(poll.headers().firstValue("Ptth-Connection-Id").isEmpty());
    }

    /** listen, connect, the offer, accept: up to the two streamed responses. */
    private record Opened(String id, HttpResponse<InputStream> connect, HttpResponse<InputStream> accept) {
    }

    private Opened open(final String client, final String port) throws Exception {
        final CompletableFuture<HttpResponse<String>> listen = calls.textAsync(SRV, "v1/srv/listen/" + port);
        final CompletableFuture<HttpResponse<InputStream>> connect = calls.download(client, "v1/srv/connect/" + port);
        final HttpResponse<String> offer = listen.get(30, TimeUnit.SECONDS);
        assertEquals(200, offer.statusCode(), offer.body());
        final String id = offer.headers().firstValue("Ptth-Connection-Id").orElseThrow();
        assertTrue(id.matches(ID_ALPHABET), id);
        assertEquals(id + "\n", offer.body());
        // answered from the connect's thread: the poll's connection ends with it (CallHeaders.streamingHead)
        assertEquals("close", offer.headers().firstValue("Connection").orElse(null));
        final HttpResponse<InputStream> accept = calls.download(SRV, "v1/srv/accept/" + id).get(30, TimeUnit.SECONDS);
        final HttpResponse<InputStream> connected = connect.get(30, TimeUnit.SECONDS);
        for (final HttpResponse<InputStream> streamed : List.of(accept, connected)) {
            assertEquals(200, streamed.statusCode());
            assertEquals("application/octet-stream", streamed.headers().firstValue("Content-Type").orElse(null));
            assertEquals("no-store", streamed.headers().firstValue("Cache-Control").orElse(null));
            assertEquals("no", streamed.headers().firstValue("X-Accel-Buffering").orElse(null));
            assertTrue(streamed.headers().firstValue("Ptth-Duplex").isEmpty());
            // a four-stream sink's connection is not reused after it (CallHeaders.streamingHead)
            assertEquals("close", streamed.headers().firstValue("Connection").orElse(null));
        }
        assertEquals(id, connected.headers().firstValue("Ptth-Connection-Id").orElse(null));
        return new Opened(id, connected, accept);
    }

    @Test
    void aTunnelCarriesBytesBothWaysAndEachDirectionEndsOnItsOwn() throws Exception {
        // The listen poll may come second: the connect waits for it.
        final Opened t = open(CLI, "ssh");
        final ChunkedUpload up = upload(CLI, "v1/srv/upstream/" + t.id());
        final ChunkedUpload down = upload(SRV, "v1/srv/downstream/" + t.id());
        final byte[] request = random(300_000, 1);
        final byte[] reply = random(500_000, 2);
        final CompletableFuture<byte[]> serverGets = CompletableFuture.supplyAsync(() -> readAll(t.accept().body()));
        final CompletableFuture<byte[]> clientGets = CompletableFuture.supplyAsync(() -> readAll(t.connect().body()));

        for (int off = 0; off < request.length; off += 70_000) {
            up.write(request, off, Math.min(70_000, request.length - off));
        }
        assertEquals(204, up.finish());
        assertArrayEquals(request, serverGets.get(30, TimeUnit.SECONDS));

        // The server side still sends after the client's direction ended: half-close.
        down.write(reply);
        assertEquals(204, down.finish());
        assertArrayEquals(reply, clientGets.get(30, TimeUnit.SECONDS));
    }

    @Test
    void aClientAllowedOneNamedPortReachesIt() throws Exception {
        final Opened t = open(NARROW, "ssh");
        final ChunkedUpload up = upload(NARROW, "v1/srv/upstream/" + t.id());
        up.write("hello".getBytes(StandardCharsets.US_ASCII));
        assertEquals("hello", new String(t.accept().body().readNBytes(5), StandardCharsets.US_ASCII));
        assertEquals(204, up.finish());
        assertEquals(-1, t.accept().body().read());
    }

    @Test
    void refuseGivesTheWaitingConnect502WithTheReason() throws Exception {
        final CompletableFuture<HttpResponse<String>> listen = calls.textAsync(SRV, "v1/srv/listen/db");
        final CompletableFuture<HttpResponse<String>> connect = calls.textAsync(CLI, "v1/srv/connect/db");
        final String id = listen.get(30, TimeUnit.SECONDS).body().strip();

        final HttpResponse<String> refused = send(calls.post(SRV, "v1/srv/refuse/" + id)
                .POST(HttpRequest.BodyPublishers.ofString("connect to 127.0.0.1:5432 refused")).build());
        assertEquals(204, refused.statusCode());

        final HttpResponse<String> answer = connect.get(30, TimeUnit.SECONDS);
        assertEquals(502, answer.statusCode());
        assertTrue(answer.body().contains("connect to 127.0.0.1:5432 refused"), answer.body());
        assertTrue(answer.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        // The ID is gone with the tunnel.
        assertEquals(409, post("v1/srv/accept/" + id, SRV).status());
    }

    @Test
    void aRefuseReasonIsCutAt200BytesAndKeptOnOneLine() throws Exception {
        final CompletableFuture<HttpResponse<String>> listen = calls.textAsync(SRV, "v1/srv/listen/pg");
        final CompletableFuture<HttpResponse<String>> connect = calls.textAsync(CLI, "v1/srv/connect/pg");
        final String id = listen.get(30, TimeUnit.SECONDS).body().strip();
        final String reason = "line one\nline two " + "x".repeat(300);
        assertEquals(204, send(calls.post(SRV, "v1/srv/refuse/" + id)
                .POST(HttpRequest.BodyPublishers.ofString(reason)).build()).statusCode());

        final HttpResponse<String> answer = connect.get(30, TimeUnit.SECONDS);
        assertEquals(502, answer.statusCode());
        final String body = answer.body();
        assertEquals(1, body.chars().filter(c -> c == '\n').count(), body);
        assertTrue(body.contains("line one line two "), body);
        assertTrue(body.contains("x".repeat(200 - "line one\nline two ".length())), body);
        assertTrue(!body.contains("x".repeat(201 - "line one\nline two ".length())), body);
    }

    // ---- method, key, kind of key

    @Test
    void everyOtherMethodGets405WithAllowPost() throws Exception {
        for (final String method : List.of("GET", "PUT", "DELETE", "OPTIONS")) {
            final RawHttp.Response r = RawHttp.call(base, method, path("v1/srv/listen/ssh"), SRV);
            assertRefusal(405, "POST", r);
            assertEquals("POST", r.header("Allow"), method);
        }
    }

    @Test
    void aMissingOrUnknownKeyGets401() throws Exception {
        final RawHttp.Response missing = post("v1/srv/listen/ssh", null);
        assertRefusal(401, "missing or unknown key", missing);
        assertTrue(missing.header("WWW-Authenticate").startsWith("Bearer"), missing.toString());
        assertRefusal(401, "missing or unknown key", post("v1/srv/listen/ssh", STRANGER));
        assertRefusal(401, "missing or unknown key", post("v1/srv/connect/ssh", STRANGER));
        // The hash of a key is not a key.
        assertRefusal(401, "missing or unknown key",
                post("v1/srv/listen/ssh", org.ptth.relay.auth.KeyHashes.sha256Hex(SRV)));
    }

    @Test
    void aClientKeyOnAServerEndpointGets403() throws Exception {
        for (final String call : List.of("listen/ssh", "accept/" + UNKNOWN_ID, "downstream/" + UNKNOWN_ID,
                "refuse/" + UNKNOWN_ID)) {
            assertRefusal(403, "for server keys", post("v1/srv/" + call, CLI));
        }
    }

    @Test
    void aServerKeyOnAClientEndpointGets403() throws Exception {
        for (final String call : List.of("connect/ssh", "upstream/" + UNKNOWN_ID)) {
            assertRefusal(403, "for client keys", post("v1/srv/" + call, SRV));
        }
    }

    @Test
    void aServerKeyForAnotherServersPathGets403() throws Exception {
        for (final String call : List.of("listen/ssh", "accept/" + UNKNOWN_ID, "downstream/" + UNKNOWN_ID,
                "refuse/" + UNKNOWN_ID)) {
            assertRefusal(403, "another server", post("v1/other/" + call, SRV));
            assertRefusal(403, "another server", post("v1/srv/" + call, OTHER));
        }
    }

    // ---- targets

    @Test
    void aTargetTheClientMayNotReachLooksOffline() throws Exception {
        final RawHttp.Response offline = post("v1/srv/connect/nobody-listens", CLI);
        assertRefusal(404, "no such server or port online", offline);
        for (final RawHttp.Response hidden : List.of(
                post("v1/other/connect/ssh", CLI),          // a real server, not allowed
                post("v1/ghost/connect/ssh", CLI),          // no such server at all
                post("v1/srv/connect/db", NARROW))) {       // allowed srv/ssh only
            assertEquals(offline.status(), hidden.status(), hidden.toString());
            assertEquals(offline.body(), hidden.body(), hidden.toString());
            assertEquals(offline.header("Content-Type"), hidden.header("Content-Type"));
        }
    }

    @Test
    void aTargetTheClientMayNotReachCarriesTheSameHeadersAsAnOfflineOne() throws Exception {
        // Names must not be probeable: the answers must not differ in any header either.
        final RawHttp.Response offline = post("v1/srv/connect/nobody-here", CLI);
        final RawHttp.Response hidden = post("v1/other/connect/ssh", CLI);
        assertEquals(404, offline.status());
        assertEquals(404, hidden.status());
        assertEquals(offline.header("Retry-After"), hidden.header("Retry-After"),
                "offline: " + offline + " / not allowed: " + hidden);
        assertEquals(offline.header("Ptth-Reason"), hidden.header("Ptth-Reason"),
                "offline: " + offline + " / not allowed: " + hidden);
    }

    // ---- malformed paths, names and IDs

    @Test
    void malformedPathsNamesAndIdsGet400() throws Exception {
        final String longName = "n".repeat(65);
        final List<String[]> cases = List.of(
                new String[] {"v1/" + longName + "/listen/ssh", SRV, "bad server name"},
                new String[] {"v1/" + longName + "/connect/ssh", CLI, "bad server name"},
                new String[] {"v1/srv/listen/" + longName, SRV, "bad port name"},
                new String[] {"v1/srv/connect/" + longName, CLI, "bad port name"},
                new String[] {"v1/sr%20v/listen/ssh", SRV, "bad server name"},
                new String[] {"v1/srv*/listen/ssh", SRV, "bad server name"},
                new String[] {"v1/s%C3%A9rv/listen/ssh", SRV, "bad server name"},
                new String[] {"v1/srv/listen/a%20b", SRV, "bad port name"},
                new String[] {"v1/srv/connect/p~1", CLI, "bad port name"},
                new String[] {"v1/srv/listen/", SRV, "bad port name"},
                new String[] {"v1/srv/accept/" + UNKNOWN_ID.substring(1), SRV, "bad connection id"},
                new String[] {"v1/srv/accept/" + UNKNOWN_ID + "A", SRV, "bad connection id"},
                new String[] {"v1/srv/downstream/" + UNKNOWN_ID.substring(1) + "+", SRV, "bad connection id"},
                new String[] {"v1/srv/refuse/" + UNKNOWN_ID.substring(1) + ".", SRV, "bad connection id"},
                new String[] {"v1/srv/upstream/" + UNKNOWN_ID.substring(1) + "=", CLI, "bad connection id"},
                new String[] {"v1/srv/upstream/" + UNKNOWN_ID.substring(2) + "%2e%2e", CLI, "bad connection id"},
                new String[] {"v1/srv/listen/..", SRV, "expected a path"},
                new String[] {"v1/srv/listen/%2e%2e", SRV, "expected a path"},
                new String[] {"v1/srv/listen/%2E%2E/", SRV, "expected a path"},
                new String[] {"v1/srv/listen/ssh/..", SRV, "expected a path"},
                new String[] {"v1/srv/connect/%2e%2e", CLI, "expected a path"},
                new String[] {"v1/srv/listen/ssh/extra", SRV, "expected a path"},
                new String[] {"v1/srv/listen", SRV, "expected a path"},
                new String[] {"v1/srv", SRV, "expected a path"},
                new String[] {"v1/", SRV, "expected a path"},
                new String[] {"v1/srv/accept/" + UNKNOWN_ID + "/more", SRV, "expected a path"});
        for (final String[] c : cases) {
            assertRefusal(400, c[2], post(c[0], c[1]));
        }
        // The path is checked before the key: a bad path tells nothing about keys.
        assertRefusal(400, "bad server name", post("v1/" + longName + "/listen/ssh", null));
    }

    // ---- IDs

    @Test
    void anUnknownIdGets409() throws Exception {
        assertRefusal(409, "unknown connection id", post("v1/srv/accept/" + UNKNOWN_ID, SRV));
        assertRefusal(409, "unknown connection id", post("v1/srv/refuse/" + UNKNOWN_ID, SRV));
        assertRefusal(409, "unknown connection id", post("v1/srv/downstream/" + UNKNOWN_ID, SRV));
        assertRefusal(409, "unknown connection id", post("v1/srv/upstream/" + UNKNOWN_ID, CLI));
    }

    @Test
    void eachEndpointTakesAnIdOnceAndOnlyFromItsOwners() throws Exception {
        final Opened t = open(CLI, "web");
        assertRefusal(409, "already accepted", post("v1/srv/accept/" + t.id(), SRV));
        assertRefusal(409, "already accepted", post("v1/srv/refuse/" + t.id(), SRV));
        // Another client, another server on its own path: the ID is not theirs.
        assertRefusal(409, "unknown connection id", post("v1/srv/upstream/" + t.id(), NARROW));
        assertRefusal(409, "unknown connection id", post("v1/other/downstream/" + t.id(), OTHER));
        assertRefusal(409, "unknown connection id", post("v1/other/upstream/" + t.id(), CLI));

        final ChunkedUpload up = upload(CLI, "v1/srv/upstream/" + t.id());
        final ChunkedUpload down = upload(SRV, "v1/srv/downstream/" + t.id());
        up.write(new byte[] {7});
        assertEquals(7, t.accept().body().read());
        down.write(new byte[] {9});
        assertEquals(9, t.connect().body().read());

        assertRefusal(409, "already used", post("v1/srv/upstream/" + t.id(), CLI));
        assertRefusal(409, "already used", post("v1/srv/downstream/" + t.id(), SRV));

        assertEquals(204, up.finish());
        assertEquals(204, down.finish());
        assertEquals(-1, t.accept().body().read());
        assertEquals(-1, t.connect().body().read());
        // After the tunnel, the ID is unknown.
        assertRefusal(409, "unknown connection id", post("v1/srv/upstream/" + t.id(), CLI));
    }

    // ---- verbs

    @Test
    void anUnknownVerbGets404() throws Exception {
        assertRefusal(400, "no such endpoint: frobnicate", post("v1/srv/frobnicate/ssh", SRV));
        assertRefusal(400, "no such endpoint: LISTEN", post("v1/srv/LISTEN/ssh", SRV));
    }

    private HttpResponse<String> send(final HttpRequest request) throws IOException, InterruptedException {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] random(final int size, final long seed) {
        final byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readAll(final InputStream in) {
        try {
            return RawHttp.readAll(in);
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
