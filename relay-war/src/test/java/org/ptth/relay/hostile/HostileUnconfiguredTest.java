package org.ptth.relay.hostile;

import org.ptth.relay.support.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.relay.support.RawHttp.Response;
import org.ptth.relay.support.EmbeddedRelay;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ptth.relay.hostile.HostileRelay.path;
import static org.ptth.relay.support.RawHttp.assertRefusal;

/**
 * A relay whose configuration file has never been valid answers 503 to everybody, and tells a
 * caller nothing of that file: neither its path nor the principals and permissions in it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileUnconfiguredTest {
    /** A permission without its client: the file is refused, and the parser's message names both. */
    private static final String MISTAKE = "client.secret-partner.allow=srv/payroll\n";
    private static EmbeddedRelay relay;

    @BeforeAll
    static void start() throws Exception {
        relay = new EmbeddedRelay(MISTAKE);
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
    }

    @Test
    void callersLearnNothingOfTheInvalidFile() throws Exception {
        for (final String request : List.of(
                RawHttp.post(path("v1/srv/listen/ssh"), null),
                RawHttp.post(path("v1/srv/listen/ssh"), EmbeddedRelay.SERVER_KEY),
                RawHttp.post(path("v1/srv/connect/payroll"), EmbeddedRelay.CLIENT_KEY),
                RawHttp.post(path("status"), EmbeddedRelay.ADMIN_KEY),
                RawHttp.post(path("status"), null))) {
            final Response r = RawHttp.send(relay.port(), request);
            assertRefusal(r, 503);
            assertEquals("10", r.header("retry-after"), r::toString);
            assertTrue(r.body().startsWith("relay not configured"), r::toString);
            for (final String secret : List.of("secret-partner", "payroll", relay.configFile().getFileName().toString(),
                    relay.configFile().getParent().toString())) {
                assertFalse(r.toString().contains(secret), () -> "the answer names '" + secret + "': " + r);
            }
        }
    }
}
