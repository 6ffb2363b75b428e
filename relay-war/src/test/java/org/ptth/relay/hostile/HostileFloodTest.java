package org.ptth.relay.hostile;

import org.ptth.relay.support.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.ptth.relay.support.RawHttp.Response;
import org.ptth.relay.support.ChunkedUpload;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.hostile.HostileRelay.CLI2_KEY;
import static org.ptth.relay.hostile.HostileRelay.path;
import static org.ptth.relay.support.RawHttp.assertRefusal;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;

/**
 * Floods from one principal meet the relay's limits (429 with Retry-After) while the calls within
 * the limits, other principals, and the guard tunnel carry on.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileFloodTest {
    private static final int LISTENS_PER_SERVER = 20;
    private static final int TUNNELS_PER_CLIENT = 25;
    private static HostileRelay relay;

    @BeforeAll
    static void start() throws Exception {
        relay = HostileRelay.start("limit.listens-per-server=" + LISTENS_PER_SERVER + "\n"
                + "limit.tunnels-per-client=" + TUNNELS_PER_CLIENT + "\n"
                + "connect.wait=12s\nlisten.timeout=90s\naccept.timeout=5s\n");
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
    void connectFloodFromOneClientGets429WhileAnotherClientConnects() throws Exception {
        final int total = 60;
        final List<Socket> waiting = new ArrayList<>();
        final List<Response> answers = new ArrayList<>();
        try {
            for (int i = 0; i < total; i++) {
                final Socket s = RawHttp.open(relay.port());
                RawHttp.write(s, RawHttp.post(path("v1/srv/connect/nobody"), CLIENT_KEY));
                waiting.add(s);
            }
            // cli holds the guard tunnel and at most TUNNELS_PER_CLIENT - 1 waiting connects; the rest is refused at once.
            harvestUntil(waiting, answers, total - TUNNELS_PER_CLIENT + 1);
            for (final Response r : answers) {
                assertRefusal(r, 429);
                assertNotNull(r.header("retry-after"), r::toString);
            }

            // Meanwhile another client opens a tunnel and moves bytes through it.
            final OpenTunnel t = OpenTunnel.open(relay.calls(), CLI2_KEY, "ok");
            moveBytesAndEnd(t, CLI2_KEY);
            // And cli is still at its limit.
            final Response more = relay.post("v1/srv/connect/nobody", CLIENT_KEY);
            assertRefusal(more, 429);
            assertNotNull(more.header("retry-after"));

            // The connects that waited end with 404 once the connect wait is over.
            for (final Socket s : waiting) {
                answers.add(RawHttp.read(s));
            }
        } finally {
            for (final Socket s : waiting) {
                s.close();
            }
        }
        final long refused = answers.stream().filter(r -> r.status() == 429).count();
        final long waited = answers.stream().filter(r -> r.status() == 404).count();
        assertEquals(total, refused + waited, answers::toString);
        assertTrue(waited >= 1 && waited <= TUNNELS_PER_CLIENT, "connects that waited: " + waited);
        assertEquals(total - TUNNELS_PER_CLIENT + 1, refused, "refused connects");
        relay.guard().assertStillMoving();
    }

    @Test
    void listenFloodGets429WhileTheFirstPollsStayParked() throws Exception {
        final int total = 1000;
        final List<Socket> parked = new ArrayList<>();
        final List<Response> answers = new ArrayList<>();
        try {
            for (int i = 0; i < total; i++) {
                final Socket s = RawHttp.open(relay.port());
                RawHttp.write(s, RawHttp.post(path("v1/srv/listen/flood"), SERVER_KEY));
                parked.add(s);
                if (i % 50 == 49) {
                    harvest(parked, answers);
                }
            }
            harvestUntil(parked, answers, total - LISTENS_PER_SERVER);
            assertEquals(total - LISTENS_PER_SERVER, answers.size());
            assertEquals(LISTENS_PER_SERVER, parked.size());
            for (final Response r : answers) {
                assertRefusal(r, 429);
                assertNotNull(r.header("retry-after"), r::toString);
            }
            relay.guard().assertStillMoving();

            // The parked polls are live: a client's connect is offered to one of them.
            final CompletableFuture<HttpResponse<InputStream>> connect =
                    relay.calls().download(CLI2_KEY, "v1/srv/connect/flood");
            final List<Response> offers = new ArrayList<>();
            harvestUntil(parked, offers, 1);
            assertEquals(LISTENS_PER_SERVER - 1, parked.size());
            final Response offer = offers.get(0);
            assertEquals(200, offer.status(), offer::toString);
            final String id = offer.header("ptth-connection-id");
            assertEquals(id, offer.body().strip());
            final HttpResponse<InputStream> accept =
                    relay.calls().download(SERVER_KEY, "v1/srv/accept/" + id).get(30, TimeUnit.SECONDS);
            assertEquals(200, accept.statusCode());
            final HttpResponse<InputStream> connected = connect.get(30, TimeUnit.SECONDS);
            assertEquals(200, connected.statusCode());
            moveBytesAndEnd(new OpenTunnel(id, connected, accept), CLI2_KEY);
        } finally {
            for (final Socket s : parked) {
                s.close();
            }
        }
        relay.guard().assertStillMoving();
    }

    /** Reads the answer of every socket that has one coming, and drops those sockets from the list. */
    private static void harvest(final List<Socket> sockets, final List<Response> answers) throws IOException {
        for (final Iterator<Socket> it = sockets.iterator(); it.hasNext(); ) {
            final Socket s = it.next();
            if (s.getInputStream().available() > 0) {
                answers.add(RawHttp.read(s));
                s.close();
                it.remove();
            }
        }
    }

    /** Harvests until {@code count} answers are in; a bound on the wait only stops a hang. */
    private static void harvestUntil(final List<Socket> sockets, final List<Response> answers, final int count)
            throws IOException, InterruptedException {
        for (int i = 0; i < 6000 && answers.size() < count; i++) {
            harvest(sockets, answers);
            if (answers.size() < count) {
                Thread.sleep(10);
            }
        }
        assertTrue(answers.size() >= count, "answers: " + answers.size() + " of " + count + " expected");
    }

    /** A round trip each way, then both bodies end cleanly. */
    private static void moveBytesAndEnd(final OpenTunnel t, final String clientKey) throws Exception {
        try (ChunkedUpload up = relay.upload(clientKey, "v1/srv/upstream/" + t.id());
             ChunkedUpload down = relay.upload(SERVER_KEY, "v1/srv/downstream/" + t.id())) {
            final byte[] request = ByteStream.slice(11, 0, 50_000);
            up.write(request);
            assertArrayEquals(request, t.accept().body().readNBytes(request.length));
            final byte[] reply = ByteStream.slice(12, 0, 50_000);
            down.write(reply);
            assertArrayEquals(reply, t.connect().body().readNBytes(reply.length));
            assertEquals(204, up.finish());
            assertEquals(204, down.finish());
            assertEquals(-1, t.accept().body().read());
            assertEquals(-1, t.connect().body().read());
        }
    }
}
