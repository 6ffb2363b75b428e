package org.ptth.relay.endpoints;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
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

/** A relay whose configuration file exists but is wrong: 503, and the reason names the mistake. */
@ExtendWith(ArquillianExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InvalidConfigRelayIT {
    @ArquillianResource
    private URL base;

    @Deployment(testable = false)
    static WebArchive misconfiguredRelay() throws IOException {
        final Path config = Files.createTempDirectory("ptth-relay-it-invalid").resolve("ptth-relay.properties");
        // The key itself where its hash belongs: the mistake the parser is strict about.
        Files.writeString(config, "server.srv.key-sha256=" + TestPrincipals.SRV.toUpperCase() + "\n");
        return RelayArchive.create("ptth-relay-invalid", config);
    }

    @Test
    void everyCallGets503WithoutNamingTheMistake() throws Exception {
        final String path = base.getPath() + (base.getPath().endsWith("/") ? "" : "/") + "v1/srv/listen/ssh";
        final RawHttp.Response r = RawHttp.call(base, "POST", path, TestPrincipals.SRV);
        assertEquals(503, r.status(), r.toString());
        assertEquals("10", r.header("Retry-After"), r.toString());
        // Nobody can be authenticated yet: the mistake is for the operator's log, not for callers.
        assertTrue(r.body().startsWith("relay not configured"), r.toString());
        assertFalse(r.body().contains("server.srv"), r.toString());
        assertFalse(r.body().contains("ptth-relay.properties"), r.toString());
    }
}
