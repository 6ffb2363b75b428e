package org.ptth.relay.hostile;

import org.ptth.relay.support.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.ptth.relay.auth.KeyHashes;
import org.ptth.relay.support.RawHttp.Response;

import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.hostile.HostileRelay.CLI2_KEY;
import static org.ptth.relay.hostile.HostileRelay.NARROW_KEY;
import static org.ptth.relay.hostile.HostileRelay.path;
import static org.ptth.relay.support.RawHttp.assertRefusal;
import static org.ptth.relay.support.RawHttp.assertRejected;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.OTHER_SERVER_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;

/**
 * Hostile requests line by line, over raw sockets: wrong methods, bad keys, keys of the wrong kind,
 * probing for names, malformed paths and IDs, stolen IDs, enormous headers. A guard tunnel moves
 * bytes through the same relay all along and must come out intact.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileRequestsTest {
    private static final String SOME_ID = "AbCdEfGhIjKlMnOpQrStUvWxYz012345";
    private static HostileRelay relay;

    @BeforeAll
    static void start() throws Exception {
        relay = HostileRelay.start("connect.wait=2s\naccept.timeout=2s\n");
    }

    @AfterEach
    void nothingSevere(final TestInfo test) {
        relay.log().assertNoneAndClear(test.getDisplayName());
    }

    @AfterAll
    static void stop() throws Exception {
        relay.finishGuardAndClose();
    }

    @Test
    void wrongMethodsGet405() throws Exception {
        for (final String method : List.of("GET", "PUT", "DELETE", "OPTIONS", "PATCH", "BREW", "X".repeat(80))) {
            final Response r = relay.send(RawHttp.request(method, path("v1/srv/listen/ssh"),
                    "Authorization: Bearer " + SERVER_KEY + "\r\n"));
            assertRefusal(r, 405);
            assertEquals("POST", r.header("allow"), method);
        }
        // HEAD: the same status, and no body at all.
        final Response head = relay.send(RawHttp.request("HEAD", path("v1/srv/listen/ssh"), ""));
        assertEquals(405, head.status());
        assertEquals("", head.body());
    }

    @Test
    void garbageMethodsAreRefusedByTheContainer() throws Exception {
        for (final String method : List.of("G(T", "PO{T", "P\u00d6ST", "TRACE")) {
            final Response r = relay.send(RawHttp.request(method, path("v1/srv/listen/ssh"),
                    "Authorization: Bearer " + SERVER_KEY + "\r\n"));
            assertTrue(r.status() == 400 || r.status() == 405 || r.status() == 501, () -> method + ": " + r);
        }
        final Response noRequestLine = relay.send("\u0000\u0001\u0002 garbage\r\n\r\n");
        assertRejected(noRequestLine, true);
        final Response noHost = relay.send("POST " + path("v1/srv/listen/ssh") + " HTTP/1.1\r\n"
                + "Authorization: Bearer " + SERVER_KEY + "\r\nContent-Length: 0\r\n\r\n");
        assertEquals(400, noHost.status(), noHost::toString);
    }

    @Test
    void missingOrMalformedKeysGet401() throws Exception {
        final String accented = SERVER_KEY.substring(0, 63) + "\u00e9";
        final List<String> authorizations = List.of(
                "",
                "Authorization: Basic c3J2OnNlY3JldA==\r\n",
                "Authorization: " + SERVER_KEY + "\r\n",
                "Authorization: Token " + SERVER_KEY + "\r\n",
                "Authorization: Bearer\r\n",
                "Authorization: Bearer \r\n",
                "Authorization: Bearer      \r\n",
                "Authorization: Bearer " + "f".repeat(4000) + "\r\n",
                "Authorization: Bearer " + SERVER_KEY.repeat(8) + "\r\n",
                "Authorization: Bearer " + SERVER_KEY.toUpperCase() + "\r\n",
                "Authorization: Bearer " + SERVER_KEY.substring(1) + "\r\n",
                "Authorization: Bearer " + SERVER_KEY + "0\r\n",
                // The hash from the relay's configuration is not a key.
                "Authorization: Bearer " + KeyHashes.sha256Hex(SERVER_KEY) + "\r\n",
                // Non-ASCII, as UTF-8 bytes on the wire and as a Latin-1 byte.
                new String(("Authorization: Bearer " + accented + "\r\n").getBytes(StandardCharsets.UTF_8),
                        StandardCharsets.ISO_8859_1),
                "Authorization: Bearer " + accented + "\r\n",
                "Authorization: Bearer \u00ff\u00fe\u0080\u0081\r\n");
        final Set<String> reasons = new HashSet<>();
        for (final String authorization : authorizations) {
            for (final String target : List.of("v1/srv/listen/ssh", "v1/nosuch/listen/ssh", "v1/srv/connect/ssh")) {
                final Response r = relay.send(RawHttp.request("POST", path(target), authorization));
                assertRefusal(r, 401);
                assertNotNull(r.header("www-authenticate"), authorization);
                reasons.add(r.body());
            }
        }
        // No hint which part of a key was wrong, nor whether the server exists.
        assertEquals(1, reasons.size(), reasons::toString);
        relay.guard().assertStillMoving();
    }

    @Test
    void keysOfTheWrongKindGet403() throws Exception {
        final String id = relay.guard().id();
        // A client key on server endpoints, with the guard tunnel's real ID: refused before anything is touched.
        for (final String clientKey : List.of(CLIENT_KEY, CLI2_KEY)) {
            assertRefusal(relay.post("v1/srv/listen/ssh", clientKey), 403);
            assertRefusal(relay.post("v1/srv/accept/" + id, clientKey), 403);
            assertRefusal(relay.post("v1/srv/downstream/" + id, clientKey), 403);
            assertRefusal(relay.post("v1/srv/refuse/" + id, clientKey), 403);
        }
        // A server key on client endpoints.
        assertRefusal(relay.post("v1/srv/connect/ssh", SERVER_KEY), 403);
        assertRefusal(relay.post("v1/srv/upstream/" + id, SERVER_KEY), 403);
        assertRefusal(relay.post("v1/other/connect/ssh", OTHER_SERVER_KEY), 403);
        // A server key for another server's path: the same answer whether that server exists or not.
        final Set<String> reasons = new HashSet<>();
        for (final String target : List.of("v1/srv/listen/ssh", "v1/srv/accept/" + id, "v1/srv/downstream/" + id,
                "v1/srv/refuse/" + id, "v1/nosuch/listen/ssh")) {
            final Response r = relay.post(target, OTHER_SERVER_KEY);
            assertRefusal(r, 403);
            if (target.contains("listen")) {
                reasons.add(r.body());
            }
        }
        assertEquals(1, reasons.size(), reasons::toString);
        relay.guard().assertStillMoving();
    }

    @Test
    void forbiddenTargetsLookExactlyLikeMissingOnes() throws Exception {
        // srv is online on port "db": a poll parked there, which narrow may not reach.
        try (Socket parked = RawHttp.open(relay.port())) {
            RawHttp.write(parked, RawHttp.post(path("v1/srv/listen/db"), SERVER_KEY));
            final Response reference = relay.post("v1/nosuch/connect/ssh", NARROW_KEY);
            assertRefusal(reference, 404);
            final List<String[]> probes = List.of(
                    new String[] {NARROW_KEY, "v1/srv/connect/db"},      // exists, online, not allowed
                    new String[] {NARROW_KEY, "v1/srv/connect/guard"},   // exists, has a live tunnel
                    new String[] {NARROW_KEY, "v1/srv/connect/nosuch"},  // not allowed, offline
                    new String[] {NARROW_KEY, "v1/other/connect/ssh"},   // a server that exists
                    new String[] {NARROW_KEY, "v1/nosuch/connect/db"},
                    new String[] {CLIENT_KEY, "v1/other/connect/ssh"},
                    new String[] {CLIENT_KEY, "v1/nosuch/connect/ssh"},
                    new String[] {CLI2_KEY, "v1/other/connect/db"});
            for (final String[] probe : probes) {
                final Response r = relay.post(probe[1], probe[0]);
                assertEquals(reference.status(), r.status(), probe[1]);
                assertEquals(reference.body(), r.body(), probe[1]);
                assertEquals(headerNames(reference), headerNames(r), probe[1]);
                assertEquals(reference.header("content-type"), r.header("content-type"), probe[1]);
                assertEquals(reference.header("retry-after"), r.header("retry-after"), probe[1]);
            }
            // An allowed port with nobody listening says the same words (after the connect wait).
            final Response offline = relay.post("v1/srv/connect/ssh", NARROW_KEY);
            assertEquals(reference.status(), offline.status());
            assertEquals(reference.body(), offline.body());

            // The refused probes left the parked poll alone: an allowed client still gets through to it.
            final CompletableFuture<java.net.http.HttpResponse<String>> connect =
                    relay.calls().textAsync(CLIENT_KEY, "v1/srv/connect/db");
            final Response offer = RawHttp.read(parked);
            assertEquals(200, offer.status(), offer::toString);
            final String id = offer.body().strip();
            assertEquals(204, relay.post("v1/srv/refuse/" + id, SERVER_KEY).status());
            assertEquals(502, connect.get(30, TimeUnit.SECONDS).statusCode());
        }
    }

    @Test
    void malformedPathsNamesAndIdsGet400() throws Exception {
        final List<String[]> cases = List.of(
                new String[] {SERVER_KEY, "v1/" + "s".repeat(65) + "/listen/ssh"},
                new String[] {SERVER_KEY, "v1/srv/listen/" + "p".repeat(65)},
                new String[] {SERVER_KEY, "v1/srv/listen/" + "p".repeat(400)},
                new String[] {SERVER_KEY, "v1/srv/listen/s%20h"},
                new String[] {SERVER_KEY, "v1/srv/listen/s%C3%A9h"},
                new String[] {SERVER_KEY, "v1/srv/listen/a:b"},
                new String[] {SERVER_KEY, "v1/srv/listen/a*b"},
                new String[] {SERVER_KEY, "v1/s%20rv/listen/ssh"},
                new String[] {SERVER_KEY, "v1/srv%C3%A9/listen/ssh"},
                new String[] {SERVER_KEY, "v1/srv/listen/ssh/extra"},
                new String[] {SERVER_KEY, "v1/srv/listen/ssh/"},
                new String[] {SERVER_KEY, "v1/srv/listen/"},
                new String[] {SERVER_KEY, "v1/srv/listen"},
                new String[] {SERVER_KEY, "v1/srv/"},
                new String[] {SERVER_KEY, "v1/srv"},
                new String[] {SERVER_KEY, "v1/"},
                new String[] {SERVER_KEY, "v1"},
                new String[] {SERVER_KEY, "v1/srv//ssh"},
                new String[] {SERVER_KEY, "v1//listen/ssh"},
                new String[] {SERVER_KEY, "v1/srv/accept/" + SOME_ID.substring(1)},
                new String[] {SERVER_KEY, "v1/srv/accept/" + SOME_ID + "A"},
                new String[] {SERVER_KEY, "v1/srv/accept/" + SOME_ID.substring(1) + "."},
                new String[] {SERVER_KEY, "v1/srv/accept/" + SOME_ID.substring(1) + "+"},
                new String[] {SERVER_KEY, "v1/srv/accept/" + SOME_ID.substring(1) + "="},
                new String[] {SERVER_KEY, "v1/srv/downstream/" + SOME_ID.substring(2) + "%C3%A9"},
                new String[] {SERVER_KEY, "v1/srv/refuse/" + "A".repeat(300)},
                new String[] {SERVER_KEY, "v1/srv/accept/"},
                new String[] {CLIENT_KEY, "v1/srv/upstream/" + SOME_ID.substring(1) + "~"},
                new String[] {CLIENT_KEY, "v1/srv/upstream/" + SOME_ID.toLowerCase() + "x"},
                new String[] {CLIENT_KEY, "v1/srv/connect/" + "c".repeat(65)},
                new String[] {CLIENT_KEY, "v1/srv/connect/.."},
                new String[] {null, "v1/" + "s".repeat(65) + "/listen/ssh"});
        for (final String[] c : cases) {
            final Response r = relay.post(c[1], c[0]);
            assertRefusal(r, 400);
        }
        relay.guard().assertStillMoving();
    }

    @Test
    void anUnknownVerbIsAMalformedPathAndGets400() throws Exception {
        // docs/protocol.md: 400 is "malformed path, name or ID"; 404 is kept for "no such server or port online".
        for (final String verb : List.of("teleport", "LISTEN", "admin", "")) {
            assertRefusal(relay.post("v1/srv/" + verb + "/ssh", SERVER_KEY), 400);
        }
    }

    @Test
    void traversalAndEncodedSeparatorsNeverReachAnEndpoint() throws Exception {
        final List<String> targets = List.of(
                "/relay/v1/../x",
                "/relay/v1/srv/../../x",
                "/relay/v1/srv/listen/..",
                "/relay/v1/srv/listen/../../../etc/passwd",
                "/relay/v1/%2e%2e/srv/listen/ssh",
                "/relay/v1/srv/listen/%2e%2e",
                "/relay/v1/srv/listen/%2E%2E/%2E%2E/x",
                "/relay/v1/srv%2Flisten%2Fssh",
                "/relay/v1/srv/listen/ssh%2F..%2F..%2Fx",
                "/relay/v1/srv/listen/ssh%5C..%5Cx",
                "/relay/v1/srv/listen/ssh%00",
                "/relay/v1/srv/listen/ss%ZZ",
                "/relay/v1/srv/listen/ss%",
                "/relay/v1/srv\\listen\\ssh",
                "/relay/v1/srv/listen/ssh\u00e9",
                "relay/v1/srv/listen/ssh",
                "http://evil.example/relay/v1/srv/listen/x",
                "*");
        for (final String target : targets) {
            // With the real server key: were any of these taken for a listen, the poll would park and not answer.
            final Response r = relay.send(RawHttp.request("POST", target, "Authorization: Bearer " + SERVER_KEY + "\r\n"));
            assertRejected(r, false);
        }
        relay.guard().assertStillMoving();
    }

    @Test
    void anIdWorksOnceAndOnlyForItsOwners() throws Exception {
        final String id = relay.guard().id();
        // Used twice on an endpoint: the guard tunnel already has its accept, downstream and upstream.
        assertRefusal(relay.post("v1/srv/accept/" + id, SERVER_KEY), 409);
        assertRefusal(relay.post("v1/srv/downstream/" + id, SERVER_KEY), 409);
        assertRefusal(relay.post("v1/srv/upstream/" + id, CLIENT_KEY), 409);
        // Refusing an open tunnel does not end it.
        final Response refuse = relay.send("POST " + path("v1/srv/refuse/" + id) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + SERVER_KEY + "\r\nContent-Length: 5\r\n\r\nnope!");
        assertRefusal(refuse, 409);

        // Anybody else gets exactly the answer for an ID that was never made.
        final Response unknown = relay.post("v1/srv/upstream/" + SOME_ID, CLIENT_KEY);
        assertRefusal(unknown, 409);
        final List<String[]> thieves = List.of(
                new String[] {CLI2_KEY, "v1/srv/upstream/" + id},
                new String[] {NARROW_KEY, "v1/srv/upstream/" + id},
                new String[] {CLIENT_KEY, "v1/other/upstream/" + id},
                new String[] {OTHER_SERVER_KEY, "v1/other/accept/" + id},
                new String[] {OTHER_SERVER_KEY, "v1/other/downstream/" + id},
                new String[] {OTHER_SERVER_KEY, "v1/other/refuse/" + id},
                new String[] {SERVER_KEY, "v1/srv/accept/" + SOME_ID},
                new String[] {SERVER_KEY, "v1/srv/downstream/" + SOME_ID});
        for (final String[] thief : thieves) {
            final Response r = relay.post(thief[1], thief[0]);
            assertRefusal(r, 409);
            assertEquals(unknown.body(), r.body(), thief[1]);
        }
        relay.guard().assertStillMoving();
    }

    @Test
    void enormousHeadersAreRefusedWithoutAHang() throws Exception {
        final String bigHeader = "X-Junk: " + "a".repeat(100 * 1024) + "\r\n";
        final StringBuilder manyHeaders = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            manyHeaders.append("X-H").append(i).append(": v\r\n");
        }
        final String bigKey = "Authorization: Bearer " + "k".repeat(100 * 1024) + "\r\n";
        for (final String request : List.of(
                RawHttp.request("POST", path("v1/srv/listen/ssh"), bigHeader),
                RawHttp.request("POST", path("v1/srv/listen/ssh"), manyHeaders.toString()),
                RawHttp.request("POST", path("v1/srv/listen/ssh"), bigKey),
                RawHttp.request("POST", path("v1/srv/listen/" + "p".repeat(100 * 1024)), ""))) {
            final Response r = relay.send(request);
            assertTrue(!r.answered() || Set.of(400, 413, 414, 431).contains(r.status()), r::toString);
        }
        // A header that never ends: 100 KB of it without a line break, then silence.
        try (Socket socket = RawHttp.open(relay.port())) {
            final ByteArrayOutputStream junk = new ByteArrayOutputStream();
            junk.write(("POST " + path("v1/srv/listen/ssh") + " HTTP/1.1\r\nX-Junk: ").getBytes(StandardCharsets.US_ASCII));
            junk.write("b".repeat(100 * 1024).getBytes(StandardCharsets.US_ASCII));
            try {
                socket.getOutputStream().write(junk.toByteArray());
            } catch (final java.io.IOException cutShort) {
                // refused while still writing
            }
            final Response r = RawHttp.read(socket);
            assertTrue(!r.answered() || Set.of(400, 413, 431).contains(r.status()), r::toString);
        }
        assertRefusal(relay.post("v1/srv/listen/ssh", null), 401);
        relay.guard().assertStillMoving();
    }

    private static Set<String> headerNames(final Response r) {
        final Set<String> names = new TreeSet<>(r.headers().keySet());
        names.remove("date");
        return names;
    }
}
