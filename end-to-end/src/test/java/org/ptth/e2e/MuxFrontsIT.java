package org.ptth.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.ptth.e2e.harness.Keys;
import org.ptth.e2e.harness.MuxPeer;
import org.ptth.e2e.harness.RelayConfig;
import org.ptth.e2e.harness.ReverseProxy;
import org.ptth.e2e.harness.StandaloneTomcat;
import org.ptth.e2e.harness.TestEnvironment;
import org.ptth.e2e.harness.Transfer;
import org.ptth.protocol.mux.FrameType;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's multiplexed transport through each front as conf/ ships it (only Tomcat's port
 * changed), with the mux connections played by {@link MuxPeer}: the WebSocket upgrade passes, a
 * tunnel carries every byte both ways, and a connection that stays quiet longer than Tomcat's
 * connectionTimeout lives (also with no front at all). Behind nginx with its defaults, which drops the upgrade, the relay
 * answers 426, which tells a proxy in auto mode to use four-stream.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(MuxFrontsIT.Front.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MuxFrontsIT {
    private static final String SERVER = "office";
    private static final String CLIENT = "laptop";
    /** Tomcat's read timeout here: an upgraded connection must outlive it. */
    private static final int CONNECTION_TIMEOUT_MILLIS = 3000;

    enum Front {
        /** No front: the proxies straight to Tomcat. */
        NONE, NGINX, APACHE, HAPROXY, NGINX_DEFAULTS
    }

    @Parameter
    Front front;

    private StandaloneTomcat tomcat;
    private ReverseProxy reverseProxy;
    private String serverKey;
    private String clientKey;
    private Path work;

    @BeforeAll
    void startRelay() throws Exception {
        work = TestEnvironment.newWorkDir(getClass().getSimpleName());
        final RelayConfig config = RelayConfig.create(work.resolve("relay.properties"));
        final Keys keys = new Keys(TestEnvironment.proxyJar(), work.resolve("keys"), config);
        serverKey = Files.readString(keys.server(SERVER)).strip();
        clientKey = Files.readString(keys.client(CLIENT, SERVER)).strip();
        tomcat = StandaloneTomcat.builder(tomcatDistribution(), work.resolve("tomcat"))
                .war(TestEnvironment.relayWar())
                .relayConfig(config.file())
                .connectionTimeoutMillis(CONNECTION_TIMEOUT_MILLIS)
                .start();
    }

    /** The Tomcat distribution to run the relay in; a subclass may pick another. */
    protected Path tomcatDistribution() {
        return TestEnvironment.tomcat10Home();
    }

    @AfterAll
    void stopRelay() {
        if (tomcat != null) {
            tomcat.close();
        }
    }

    @BeforeParameterizedClassInvocation
    void startFront() throws Exception {
        final String tomcatAddress = "127.0.0.1:" + tomcat.port();
        final Path dir = work.resolve(front.name().toLowerCase(Locale.ROOT));
        final String label = "mux-" + front.name().toLowerCase(Locale.ROOT);
        reverseProxy = switch (front) {
            case NONE -> null;
            case NGINX -> ReverseProxy.nginx(label, dir, ReverseProxy.snippet("nginx-ptth-relay.conf", tomcatAddress), null);
            case APACHE -> ReverseProxy.apache(label, dir, ReverseProxy.snippet("apache-ptth-relay.conf", tomcatAddress));
            case HAPROXY -> ReverseProxy.haproxy(label, dir, ReverseProxy.snippet("haproxy-ptth-relay.cfg", tomcatAddress));
            case NGINX_DEFAULTS -> ReverseProxy.nginx(label, dir,
                    "location / { proxy_pass http://" + tomcatAddress + "; }", null);
        };
    }

    @AfterParameterizedClassInvocation
    void stopFront() {
        if (reverseProxy != null) {
            reverseProxy.close();
        }
    }

    private URI base() {
        return reverseProxy == null ? tomcat.relayBase()
                : reverseProxy.relayBase(tomcat.relayBase().getPath().replace("/", ""));
    }

    @Test
    void aTunnelCarriesEveryByteBothWaysAndAQuietConnectionOutlivesTomcatsTimeout() throws Exception {
        if (front == Front.NGINX_DEFAULTS) {
            return; // see theUpgradeIsRefused426BehindNginxWithItsDefaults
        }
        try (MuxPeer server = MuxPeer.connect(base(), SERVER, serverKey);
             MuxPeer client = MuxPeer.connect(base(), SERVER, clientKey)) {
            server.send(MuxPeer.listen("echo"));
            client.send(MuxPeer.open(1, "echo"));
            final MuxPeer.Frame offer = server.next();
            assertEquals(FrameType.OPEN, offer.type());
            server.send(MuxPeer.opened(offer.tunnel()));
            assertEquals(FrameType.OPENED, client.next().type());

            // 4 MiB each way in 32 KiB steps, each step echoed before the next (within the 64 KiB window)
            final byte[] up = Transfer.randomBytes(4 << 20, 1);
            final ByteArrayOutputStream atServer = new ByteArrayOutputStream();
            final ByteArrayOutputStream atClient = new ByteArrayOutputStream();
            for (int at = 0; at < up.length; at += 32 * 1024) {
                client.send(MuxPeer.data(1, up, at, 32 * 1024));
                final int goal = at + 32 * 1024;
                while (atServer.size() < goal) {
                    final MuxPeer.Frame f = server.next();
                    assertEquals(FrameType.DATA, f.type());
                    atServer.writeBytes(f.payload());
                    server.send(MuxPeer.data(offer.tunnel(), f.payload(), 0, f.payload().length));
                }
                while (atClient.size() < goal) {
                    final MuxPeer.Frame f = client.next();
                    assertEquals(FrameType.DATA, f.type());
                    atClient.writeBytes(f.payload());
                }
            }
            assertArrayEquals(up, atServer.toByteArray());
            assertArrayEquals(up, atClient.toByteArray());

            // quiet for longer than Tomcat's read timeout: the upgraded connection has none, and the front's is long
            Thread.sleep(CONNECTION_TIMEOUT_MILLIS + 2000);
            client.send(MuxPeer.ping(7));
            final MuxPeer.Frame pong = client.nextAny();
            assertEquals(FrameType.PONG, pong.type());
            assertEquals(7, ByteBuffer.wrap(pong.payload()).getLong());
            client.send(MuxPeer.data(1, "still here".getBytes(StandardCharsets.US_ASCII), 0, 10));
            assertArrayEquals("still here".getBytes(StandardCharsets.US_ASCII), server.next().payload());
        }
        assertTrue(reverseProxy == null || reverseProxy.isAlive(), () -> reverseProxy.logTail(20));
    }

    @Test
    void theUpgradeIsRefused426BehindNginxWithItsDefaults() throws Exception {
        if (front != Front.NGINX_DEFAULTS) {
            return;
        }
        final HttpResponse<?> refusal = MuxPeer.refusal(base(), SERVER, clientKey);
        assertEquals(426, refusal.statusCode(), String.valueOf(refusal.body()));
        final String reason = refusal.headers().firstValue("Ptth-Reason").orElse("");
        assertTrue(reason.contains("WebSocket"), reason);
        assertTrue(Arrays.asList(reason.split(" ")).contains("four-stream"), reason);
    }
}
