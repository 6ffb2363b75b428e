package org.ptth.relay.endpoints;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.ptth.relay.support.RawHttp;
import org.ptth.relay.arquillian.RelayArchive;
import org.ptth.relay.arquillian.TestPrincipals;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relay deployed with a configuration path that names no file: it serves 503 with the reason
 * until the file appears, and then works without a redeploy.
 */
@ExtendWith(ArquillianExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnconfiguredRelayIT {
    private static Path missingConfig;

    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive unconfiguredRelay() throws IOException {
        missingConfig = Files.createTempDirectory("ptth-relay-it-unconfigured").resolve("absent.properties");
        return RelayArchive.create("ptth-relay-unconfigured", missingConfig);
    }

    private String path(final String relative) {
        return base.getPath() + (base.getPath().endsWith("/") ? "" : "/") + relative;
    }

    private RawHttp.Response post(final String relative, final String key) throws IOException {
        return RawHttp.call(base, "POST", path(relative), key);
    }

    @Test
    @Order(1)
    void everyCallGets503WithoutDetailsWhileTheConfigIsMissing() throws Exception {
        assertEquals("127.0.0.1", base.getHost());
        assertFalse(Files.exists(missingConfig));
        // The method is checked first, configuration or not.
        final RawHttp.Response get = RawHttp.call(base, "GET", path("v1/srv/listen/ssh"), TestPrincipals.SRV);
        assertEquals(405, get.status());
        for (final String[] call : new String[][] {
                {"v1/srv/listen/ssh", TestPrincipals.SRV},
                {"v1/srv/connect/ssh", TestPrincipals.CLI},
                {"v1/srv/listen/ssh", null}}) {
            final RawHttp.Response r = post(call[0], call[1]);
            assertEquals(503, r.status(), r.toString());
            assertTrue(r.header("Content-Type").startsWith("text/plain"), r.toString());
            assertEquals("10", r.header("Retry-After"), r.toString());
            assertTrue(r.body().startsWith("relay not configured"), r.toString());
            assertFalse(r.body().contains(missingConfig.getFileName().toString()), r.body());
            assertEquals(1, r.body().chars().filter(c -> c == '\n').count(), r.body());
        }
    }

    @Test
    @Order(2)
    void theRelayServesOnceTheConfigAppears() throws Exception {
        Files.writeString(missingConfig, TestPrincipals.config("listen.timeout=1s\n"));
        // The relay looks at its file every 2 s; wait for it generously, without timing anything.
        RawHttp.Response r = post("v1/srv/listen/ssh", TestPrincipals.SRV);
        for (int i = 0; i < 200 && r.status() == 503; i++) {
            Thread.sleep(100);
            r = post("v1/srv/listen/ssh", TestPrincipals.SRV);
        }
        assertEquals(204, r.status(), r.toString());
        assertEquals(401, post("v1/srv/listen/ssh", TestPrincipals.STRANGER).status());
    }
}
