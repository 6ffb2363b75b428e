package org.ptth.relay.hostile;

import org.ptth.relay.support.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.ptth.relay.support.RawHttp.Response;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.ptth.relay.hostile.HostileRelay.path;
import static org.ptth.relay.support.EmbeddedRelay.ADMIN_KEY;
import static org.ptth.relay.support.EmbeddedRelay.CLIENT_KEY;
import static org.ptth.relay.support.EmbeddedRelay.SERVER_KEY;

/**
 * Port names are the callers' to choose: a relay must not keep one entry per name ever named, or a
 * server or a client could grow its memory without end, one made-up name at a time.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileNamesTest {
    private static final int POLLED_NAMES = 200;
    private static final int CONNECTED_NAMES = 200;
    private static HostileRelay relay;

    @BeforeAll
    static void start() throws Exception {
        relay = HostileRelay.start("listen.timeout=1s\nconnect.wait=1s\n");
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
    void portNamesAreForgottenOnceNothingWaitsOnThem() throws Exception {
        final List<Socket> calls = new ArrayList<>();
        try {
            for (int i = 0; i < POLLED_NAMES + CONNECTED_NAMES; i++) {
                final Socket s = RawHttp.open(relay.port());
                calls.add(s);
                RawHttp.write(s, i < POLLED_NAMES ? RawHttp.post(path("v1/srv/listen/polled-" + i), SERVER_KEY)
                        : RawHttp.post(path("v1/srv/connect/wanted-" + i), CLIENT_KEY));
            }
            for (int i = 0; i < calls.size(); i++) {
                final Response answer = RawHttp.read(calls.get(i));
                assertEquals(i < POLLED_NAMES ? 204 : 404, answer.status(), answer::toString);
            }
        } finally {
            for (final Socket s : calls) {
                s.close();
            }
        }
        final Response status = relay.post("status", ADMIN_KEY);
        assertEquals(200, status.status(), status::toString);
        System.out.println("after " + (POLLED_NAMES + CONNECTED_NAMES) + " made-up port names: "
                + status.body().replace('\n', ' '));
        assertEquals("0", value(status.body(), "parked_polls"), status.body());
        assertEquals("0", value(status.body(), "ports"), "ports the relay still keeps: " + status.body());
        relay.guard().assertStillMoving();
    }

    private static String value(final String lines, final String name) {
        for (final String line : lines.split("\n")) {
            if (line.startsWith(name + "=")) {
                return line.substring(name.length() + 1);
            }
        }
        return null;
    }
}
