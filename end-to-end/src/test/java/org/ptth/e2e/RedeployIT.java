package org.ptth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.ptth.e2e.harness.AutoCloseables;
import org.ptth.e2e.harness.FreePorts;
import org.ptth.e2e.harness.Keys;
import org.ptth.e2e.harness.ProxyProcess;
import org.ptth.e2e.harness.RelayConfig;
import org.ptth.e2e.harness.StandaloneTomcat;
import org.ptth.e2e.harness.TcpHandlers;
import org.ptth.e2e.harness.TcpTestServer;
import org.ptth.e2e.harness.TestEnvironment;
import org.ptth.e2e.harness.TunnelClient;
import org.ptth.e2e.harness.Waits;

/**
 * The relay goes away while tunnels run, and comes back: its WAR undeployed and redeployed by
 * Tomcat's autoDeploy, and the whole Tomcat stopped and started again on the same port. Open tunnels
 * must end (their TCP clients see the close), the relay must leave nothing behind in Tomcat, and
 * once it is back the server proxy's listen loop must return by itself, so that new tunnels work.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedeployIT {

    private static final String SERVER = "redeploy-server";
    private static final String PORT = "echo";
    private static final int LIVE_TUNNELS = 5;
    /** autoDeploy looks at webapps/ every 10 s (the Engine's backgroundProcessorDelay), then undeploys. */
    private static final Duration UNDEPLOY = Duration.ofSeconds(40);
    private static final Duration REDEPLOY = Duration.ofSeconds(60);
    /** Issue 5: new tunnels work within 10 s of the relay's return. */
    private static final Duration BACK_IN_SERVICE = Duration.ofSeconds(10);
    /** How long Tomcat stays down in the restart test: long enough for the server proxy to retry a few times. */
    private static final Duration DOWNTIME = Duration.ofSeconds(5);
    private static final String UNREACHABLE = "relay unreachable";

    private final AutoCloseables running = new AutoCloseables();
    private StandaloneTomcat tomcat;
    private ProxyProcess serverProxy;
    private ProxyProcess clientProxy;
    private int clientPort;

    @BeforeAll
    void startChain() throws IOException {
        final Path jar = TestEnvironment.proxyJar();
        final Path work = TestEnvironment.newWorkDir(getClass().getSimpleName());
        final Path logs = work.resolve("logs");
        final TcpTestServer target = running.add(TcpTestServer.start("target",
                TcpHandlers.dispatch(Map.of('E', TcpHandlers.echo()))));
        final RelayConfig config = RelayConfig.create(work.resolve("relay.properties"));
        final Keys keys = new Keys(jar, work.resolve("keys"), config);
        final Path serverKey = keys.server(SERVER);
        final Path clientKey = keys.client("redeploy-client", SERVER);
        tomcat = running.add(StandaloneTomcat.builder(TestEnvironment.tomcat10Home(), work.resolve("tomcat"))
                .war(TestEnvironment.relayWar())
                .relayConfig(config.file())
                .start());
        serverProxy = running.add(ProxyProcess.server(jar, logs, tomcat.relayBase(), serverKey, SERVER,
                Map.of(PORT, target.address()), 1));
        clientPort = FreePorts.next();
        clientProxy = running.add(ProxyProcess.client(jar, logs, tomcat.relayBase(), clientKey, SERVER, PORT,
                clientPort, 1));
    }

    @AfterAll
    void stopChain() {
        running.closeAll();
    }

    /** Each test starts from a chain that works, whatever the test before it left. */
    @BeforeEach
    void chainWorks() throws IOException {
        if (!tomcat.isRunning()) {
            tomcat.start();
        }
        if (!Files.exists(tomcat.deployedWar())) {
            tomcat.restoreWar();
            tomcat.awaitRelay(REDEPLOY);
        }
        Waits.until("a tunnel through the chain to work", Duration.ofSeconds(60),
                () -> TunnelClient.echoWorks(clientPort, "warm-up", Duration.ofSeconds(15)),
                () -> serverProxy.logTail(20) + "\n" + clientProxy.logTail(20));
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void undeployEndsLiveTunnelsCleanlyAndRedeployServesAgain() throws IOException {
        final List<TunnelClient> tunnels = openLiveTunnels();
        try {
            final long mark = tomcat.consoleMark();
            tomcat.removeWar();
            final long removed = System.nanoTime();
            for (final TunnelClient tunnel : tunnels) {
                tunnel.awaitClosed(remaining(removed, UNDEPLOY));
            }
            System.out.printf("all %d live tunnels closed %d ms after the WAR was deleted%n", LIVE_TUNNELS,
                    (System.nanoTime() - removed) / 1_000_000);

            // The undeploy is over once Tomcat has deleted the expanded WAR; the leak checks come before.
            Waits.until("Tomcat to undeploy the relay and delete " + tomcat.expandedWar(), UNDEPLOY,
                    () -> !Files.exists(tomcat.expandedWar()) && tomcat.relayStatus() == 404,
                    () -> tomcat.consoleTail(30));
            assertEquals(List.of(), tomcat.problemLinesSince(mark),
                    "leak warnings or SEVERE records while the relay was undeployed\n" + tomcat.consoleTextSince(mark));
            assertTrue(tomcat.consoleTextSince(mark).contains("ptth relay stopped; "),
                    "the relay's own stop line\n" + tomcat.consoleTextSince(mark));
            assertFalse(TunnelClient.echoWorks(clientPort, "while undeployed", Duration.ofSeconds(15)),
                    "a tunnel while the relay is undeployed");

            tomcat.restoreWar();
            tomcat.awaitRelay(REDEPLOY);
            awaitBackInService("the redeploy");
        } finally {
            closeAll(tunnels);
        }
        assertTrue(serverProxy.isAlive(), () -> "the server proxy died\n" + serverProxy.logTail(30));
        assertTrue(clientProxy.isAlive(), () -> "the client proxy died\n" + clientProxy.logTail(30));
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tomcatRestartedWhileTunnelsRun() throws IOException {
        final List<TunnelClient> tunnels = openLiveTunnels();
        final int serverLogMark = serverProxy.logText().length();
        try {
            tomcat.stop();
            final long stopped = System.nanoTime();
            for (final TunnelClient tunnel : tunnels) {
                tunnel.awaitClosed(Duration.ofSeconds(10));
            }
            assertFalse(TunnelClient.echoWorks(clientPort, "while Tomcat is down", Duration.ofSeconds(15)),
                    "a tunnel while Tomcat is down");
            final long left = remaining(stopped, DOWNTIME).toMillis();
            if (left > 1) {
                Waits.sleep(left);
            }
            tomcat.start();
            awaitBackInService("Tomcat's restart");
        } finally {
            closeAll(tunnels);
        }
        final String outage = serverProxy.logText().substring(serverLogMark);
        final long unreachable = outage.lines().filter(l -> l.contains(UNREACHABLE)).count();
        assertEquals(1, unreachable, "the server proxy logs the relay's outage once, not once per try:\n" + outage);
        assertTrue(outage.contains("reachable again"), "the server proxy logs the relay's return:\n" + outage);
        assertTrue(serverProxy.isAlive(), () -> "the server proxy died\n" + serverProxy.logTail(30));
        assertTrue(clientProxy.isAlive(), () -> "the client proxy died\n" + clientProxy.logTail(30));
    }

    /** LIVE_TUNNELS echo tunnels, each mid-conversation: one round trip done, the connection left open. */
    private List<TunnelClient> openLiveTunnels() throws IOException {
        final List<TunnelClient> tunnels = new ArrayList<>();
        try {
            for (int i = 0; i < LIVE_TUNNELS; i++) {
                final TunnelClient tunnel = TunnelClient.echo(clientPort, "live tunnel " + i);
                tunnels.add(tunnel);
                tunnel.roundTrip("mid-conversation");
            }
            return tunnels;
        } catch (final IOException | RuntimeException | Error e) {
            closeAll(tunnels);
            throw e;
        }
    }

    /**
     * The relay answers again (now): a new tunnel must work within {@link #BACK_IN_SERVICE}. The client
     * proxy connects anew for every TCP connection, so the server proxy's listen loop is what must return.
     */
    private void awaitBackInService(final String after) {
        final long back = System.nanoTime();
        int attempts = 0;
        while (true) {
            attempts++;
            final Duration left = remaining(back, BACK_IN_SERVICE);
            if (left.isZero()) {
                throw new AssertionError("no tunnel worked within " + BACK_IN_SERVICE.toSeconds() + " s of "
                        + after + " (" + attempts + " attempts)\n" + serverProxy.logTail(20) + "\n"
                        + clientProxy.logTail(10));
            }
            if (TunnelClient.echoWorks(clientPort, "after " + after, left)) {
                break;
            }
            Waits.sleep(100);
        }
        System.out.printf("a new tunnel worked %d ms after %s, at attempt %d%n",
                (System.nanoTime() - back) / 1_000_000, after, attempts);
    }

    private static Duration remaining(final long sinceNanos, final Duration budget) {
        final long left = budget.toNanos() - (System.nanoTime() - sinceNanos);
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    private static void closeAll(final List<TunnelClient> tunnels) {
        for (final TunnelClient t : tunnels) {
            try {
                t.close();
            } catch (final IOException e) {
                // nothing more to do
            }
        }
    }
}
