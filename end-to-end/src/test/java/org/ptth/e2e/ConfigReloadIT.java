package org.ptth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
 * The relay's configuration file edited while tunnels run (the relay looks at it every 2 s). Three
 * clients, each with its own key and client proxy, reach the same exposed port: A loses its key, then
 * B loses its permission for the port, then an invalid file comes, which the relay must reject and
 * keep the last valid one. C is never touched: its tunnel stays open throughout, and new ones work.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigReloadIT {

    private static final String SERVER = "reload-server";
    private static final String PORT = "echo";
    /** The relay checks its file every 2 s; this leaves room for a slow machine. */
    private static final Duration RELOAD = Duration.ofSeconds(15);
    /** From the reload in the log to the TCP client seeing its tunnel closed. */
    private static final Duration ABORT_PROPAGATION = Duration.ofSeconds(5);
    /** A refused connect is answered at once; this bounds a new tunnel's attempt either way. */
    private static final Duration ATTEMPT = Duration.ofSeconds(15);

    private final AutoCloseables running = new AutoCloseables();
    private StandaloneTomcat tomcat;
    private Path configFile;
    private String validConfig;
    private final Map<String, Integer> clientPorts = new HashMap<>();
    private final Map<String, ProxyProcess> clientProxies = new HashMap<>();

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
        final Map<String, Path> clientKeys = Map.of(
                "A", keys.client("client-a", SERVER),
                "B", keys.client("client-b", SERVER + "/" + PORT),
                "C", keys.client("client-c", SERVER));
        validConfig = config.text();

        tomcat = running.add(StandaloneTomcat.builder(TestEnvironment.tomcat10Home(), work.resolve("tomcat"))
                .war(TestEnvironment.relayWar())
                .relayConfig(config.file())
                .start());
        configFile = tomcat.relayConfigFile();
        running.add(ProxyProcess.server(jar, logs, tomcat.relayBase(), serverKey, SERVER,
                Map.of(PORT, target.address()), 1));
        for (final Map.Entry<String, Path> client : clientKeys.entrySet()) {
            final int port = FreePorts.next();
            clientPorts.put(client.getKey(), port);
            clientProxies.put(client.getKey(), running.add(ProxyProcess.client(jar, logs, tomcat.relayBase(),
                    client.getValue(), SERVER, PORT, port, 1)));
        }
    }

    @AfterAll
    void stopChain() {
        running.closeAll();
    }

    @Test
    @Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void editsApplyToLiveTunnelsAndAnInvalidFileChangesNothing() throws IOException {
        try (TunnelClient a = open("A"); TunnelClient b = open("B"); TunnelClient c = open("C")) {

            // 1. client A's key removed: A's tunnel ends, A gets no new ones; B and C go on.
            long mark = tomcat.consoleMark();
            RelayConfig.replace(configFile, withoutLinesOf("client.client-a.", validConfig));
            awaitInLog(mark, "relay configuration reloaded", "the file without client A");
            System.out.println("A's tunnel closed " + a.awaitClosed(ABORT_PROPAGATION).toMillis()
                    + " ms after the reload was logged");
            b.roundTrip("B after A's key went");
            c.roundTrip("C after A's key went");
            assertFalse(newTunnelWorks("A"), "a new connection of client A, whose key is gone");
            assertTrue(newTunnelWorks("B"), "a new connection of client B\n" + clientProxies.get("B").logTail(20));

            // 2. client B may no longer reach the port: B's tunnel ends, B gets no new ones; C goes on.
            mark = tomcat.consoleMark();
            final String bOtherPort = withoutLinesOf("client.client-b.allow=", withoutLinesOf("client.client-a.",
                    validConfig)) + "client.client-b.allow=" + SERVER + "/not-" + PORT + "\n";
            RelayConfig.replace(configFile, bOtherPort);
            awaitInLog(mark, "relay configuration reloaded", "the file where B may reach another port only");
            System.out.println("B's tunnel closed " + b.awaitClosed(ABORT_PROPAGATION).toMillis()
                    + " ms after the reload was logged");
            c.roundTrip("C after B's permission went");
            assertFalse(newTunnelWorks("B"), "a new connection of client B, no longer allowed this port");
            assertFalse(newTunnelWorks("A"), "a new connection of client A, whose key is still gone");
            assertTrue(newTunnelWorks("C"), "a new connection of client C\n" + clientProxies.get("C").logTail(20));

            // 3. an invalid file, which would give A and B back: rejected, the previous one stays.
            mark = tomcat.consoleMark();
            RelayConfig.replace(configFile, validConfig + "bogus.setting=1\n");
            awaitInLog(mark, "relay configuration change rejected", "the invalid file");
            assertEquals(0, tomcat.occurrencesSince(mark, "relay configuration reloaded"),
                    "the invalid file was loaded\n" + tomcat.consoleTextSince(mark));
            assertFalse(newTunnelWorks("A"), "client A, after an invalid file that has A's key");
            assertFalse(newTunnelWorks("B"), "client B, after an invalid file that allows B the port");
            c.roundTrip("C after the invalid file");
            assertTrue(newTunnelWorks("C"), "a new connection of client C after the invalid file");
            c.endAndExpectEnd();
        }
        for (final Map.Entry<String, ProxyProcess> proxy : clientProxies.entrySet()) {
            assertTrue(proxy.getValue().isAlive(), "client proxy " + proxy.getKey() + " died\n"
                    + proxy.getValue().logTail(20));
        }
    }

    private TunnelClient open(final String client) throws IOException {
        final TunnelClient tunnel = TunnelClient.echo(clientPorts.get(client), "client " + client);
        try {
            tunnel.roundTrip("first words");
            return tunnel;
        } catch (final IOException | RuntimeException | Error e) {
            tunnel.close();
            throw e;
        }
    }

    private boolean newTunnelWorks(final String client) {
        return TunnelClient.echoWorks(clientPorts.get(client), "new tunnel of client " + client, ATTEMPT);
    }

    private void awaitInLog(final long mark, final String line, final String what) {
        Waits.until("Tomcat's log to say '" + line + "' after " + what, RELOAD,
                () -> tomcat.occurrencesSince(mark, line) > 0, () -> tomcat.consoleTail(30));
    }

    private static String withoutLinesOf(final String prefix, final String config) {
        return config.lines().filter(l -> !l.startsWith(prefix)).collect(Collectors.joining("\n", "", "\n"));
    }
}
