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

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.ptth.relay.hostile.HostileRelay.CLI2_KEY;
import static org.ptth.relay.hostile.HostileRelay.NARROW_KEY;
import static org.ptth.relay.hostile.HostileRelay.path;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;

/**
 * Request bodies that stop coming after the relay has answered: whatever path they were sent to and
 * whatever key they carried, they must not hold the container's request threads (Tomcat would read
 * each to its end on one of its 200 threads before letting the call go).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileBodiesTest {
    /** More than Tomcat's 200 request threads. */
    private static final int SLOW_BODIES = 260;
    private static HostileRelay relay;

    @BeforeAll
    static void start() throws Exception {
        relay = HostileRelay.start("connect.wait=2s\nlisten.timeout=2s\naccept.timeout=2s\n");
    }

    @AfterEach
    void nothingSevere(final TestInfo test) {
        relay.log().assertNoneAndClear(test.getDisplayName());
    }

    @AfterAll
    static void stop() throws Exception {
        relay.finishGuardAndClose();
    }

    /** Where the slow bodies go, in turn: answered at once, or after a wait the relay keeps itself. */
    private static final String[][] TARGETS = {
        {"status", null},                       // the status page, without a key: 401 at once
        {"no/such/page", null},                 // a path the relay does not serve: 404 at once
        {"v1/srv/listen/ssh", CLIENT_KEY},      // a client key on a server endpoint: 403 at once
        {"v1/srv/connect/web", NARROW_KEY},     // a target the client may not reach: 404 after connect.wait
        {"v1/srv/listen/slow", SERVER_KEY},     // a valid listen poll: 204 after listen.timeout
    };

    @Test
    void slowBodiesToAnyPathHoldNoThread() throws Exception {
        final List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_BODIES; i++) {
                final String[] target = TARGETS[i % TARGETS.length];
                final Socket s = RawHttp.open(relay.port());
                slow.add(s);
                RawHttp.write(s, "POST " + path(target[0]) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + (target[1] == null ? "" : "Authorization: Bearer " + target[1] + "\r\n")
                        + "Content-Length: 1000000\r\n\r\n" + "x".repeat(100));
            }
            // Every one is answered; the rest of each body never comes.
            for (int i = 0; i < SLOW_BODIES; i++) {
                final Response answer = RawHttp.read(slow.get(i));
                final int expected = switch (i % TARGETS.length) {
                    case 0 -> 401;
                    case 1, 3 -> 404;
                    case 2 -> 403;
                    default -> 204;
                };
                assertEquals(expected, answer.status(), () -> "slow body to " + answer);
            }
            final long start = System.nanoTime();
            final OpenTunnel fresh = OpenTunnel.open(relay.calls(), CLI2_KEY, "fresh");
            try (ChunkedUpload up = relay.upload(CLI2_KEY, "v1/srv/upstream/" + fresh.id())) {
                final byte[] hello = "hello through a busy relay".getBytes(StandardCharsets.US_ASCII);
                up.write(hello);
                assertArrayEquals(hello, fresh.accept().body().readNBytes(hello.length));
                final long millis = (System.nanoTime() - start) / 1_000_000;
                System.out.println("with " + SLOW_BODIES + " slow bodies held open, a new tunnel opened and carried"
                        + " its first bytes in " + millis + " ms");
                up.kill();
            }
            OpenTunnel.drain(fresh.accept().body());
            OpenTunnel.drain(fresh.connect().body());
            relay.guard().assertStillMoving();
        } finally {
            for (final Socket s : slow) {
                s.close();
            }
        }
    }
}
