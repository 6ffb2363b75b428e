package org.ptth.e2e;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.ptth.e2e.harness.FreePorts;
import org.ptth.e2e.harness.GarbageRelay;
import org.ptth.e2e.harness.Keys;
import org.ptth.e2e.harness.ProxyLogs;
import org.ptth.e2e.harness.ProxyProcess;
import org.ptth.e2e.harness.RelayConfig;
import org.ptth.e2e.harness.TestEnvironment;
import org.ptth.e2e.harness.TunnelClient;
import org.ptth.e2e.harness.Waits;

/**
 * The proxies facing a relay URL where no relay answers: nothing listens there, or something that
 * is not the relay answers 200 with garbage. No Tomcat: the relay configuration is written only to
 * make the keys.
 *
 * <p>What an operator needs then: the proxies keep running, a TCP connection is closed promptly,
 * and the log says what is wrong in one line, once per connection (client proxy) or once per
 * outage (server proxy), never with a stack trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokenRelayIT {

    private static final String SERVER = "broken-server";
    private static final String CLIENT = "broken-client";
    private static final String PORT = "test";
    private static final int HEARTBEAT_SECONDS = 1;
    private static final int CONNECTIONS = 3;
    /** How long a TCP connection may stay open once the relay call behind it has failed. */
    private static final Duration PROMPTLY = Duration.ofSeconds(5);
    /** How long the server proxy retries an unreachable relay before its log is checked. */
    private static final Duration RETRYING = Duration.ofSeconds(10);

    private Path jar;
    private Path logs;
    private Path serverKey;
    private Path clientKey;

    @BeforeAll
    void makeKeys() throws IOException {
        jar = TestEnvironment.proxyJar();
        final Path work = TestEnvironment.newWorkDir(getClass().getSimpleName());
        logs = work.resolve("logs");
        final RelayConfig config = RelayConfig.create(work.resolve("relay.properties"));
        final Keys keys = new Keys(jar, work.resolve("keys"), config);
        serverKey = keys.server(SERVER);
        clientKey = keys.client(CLIENT, SERVER);
        System.out.println("work directory of this run: " + work);
    }

    @AfterAll
    void done() {
        System.out.println("logs of this run: " + logs);
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void unreachableRelay() throws Exception {
        final URI nobody = URI.create("http://127.0.0.1:" + FreePorts.closed() + "/ptth-relay/");
        final long started = System.nanoTime();
        try (ProxyProcess server = ProxyProcess.server(jar, logs, nobody, serverKey, SERVER,
                Map.of(PORT, "127.0.0.1:" + FreePorts.closed()), HEARTBEAT_SECONDS)) {
            final int port = FreePorts.next();
            try (ProxyProcess client = ProxyProcess.client(jar, logs, nobody, clientKey, SERVER, PORT, port,
                    HEARTBEAT_SECONDS)) {
                for (int i = 1; i <= CONNECTIONS; i++) {
                    assertClosedPromptly(port, "connection " + i + " to the client proxy of an unreachable relay");
                }
                assertTrue(client.isAlive(), () -> "the client proxy died\n" + client.logTail(40));
                final String log = client.logText();
                assertNoStackTrace(client, log);
                final List<String> failures = ProxyLogs.linesContaining(log, "unreachable");
                assertEquals(CONNECTIONS, failures.size(),
                        "one line saying 'unreachable' per connection\n" + client.logTail(40));
                System.out.println("client proxy, per connection: " + failures.get(0));
            }

            final long left = RETRYING.toNanos() - (System.nanoTime() - started);
            if (left > 0) {
                Waits.sleep(left / 1_000_000);
            }
            assertTrue(server.isAlive(), () -> "the server proxy died\n" + server.logTail(40));
            final String log = server.logText();
            assertNoStackTrace(server, log);
            final List<String> outage = ProxyLogs.linesContaining(log, "unreachable");
            assertEquals(1, outage.size(), "'unreachable' logged once over " + RETRYING.toSeconds()
                    + " s of retries, not once per try\n" + server.logTail(40));
            System.out.println("server proxy, once: " + outage.get(0));
        }
    }

    @ParameterizedTest
    @EnumSource(GarbageRelay.Answer.class)
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void relayAnsweringGarbage(final GarbageRelay.Answer answer) throws Exception {
        try (GarbageRelay garbage = GarbageRelay.start(answer)) {
            final int port = FreePorts.next();
            try (ProxyProcess client = ProxyProcess.client(jar, logs, garbage.url(), clientKey, SERVER, PORT, port,
                    HEARTBEAT_SECONDS)) {
                for (int i = 1; i <= CONNECTIONS; i++) {
                    assertClosedPromptly(port, "connection " + i + " to the client proxy of a relay answering "
                            + answer);
                }
                assertTrue(garbage.requests() >= CONNECTIONS, "the garbage relay got the connect calls");
                assertTrue(client.isAlive(), () -> "the client proxy died\n" + client.logTail(40));
                // the last connection's line may come a moment after its socket closed
                Waits.until("a log line per connection that names HTML or garbage", Duration.ofSeconds(5),
                        () -> garbageLines(client.logText()).size() >= CONNECTIONS,
                        () -> "each line should tell the operator that something else than the relay answered\n"
                                + client.logTail(40));
                final String log = client.logText();
                assertNoStackTrace(client, log);
                final List<String> lines = garbageLines(log);
                System.out.println(answer + ", client proxy: " + lines.get(0));
            }
        }
    }

    /** Lines that tell the operator the relay's answer was not the relay's: they say HTML, garbage or cut. */
    private static List<String> garbageLines(final String log) {
        return log.lines().filter(l -> l.matches("(?i).*(html|garbage|cut|truncat|premature).*")).toList();
    }

    private static void assertClosedPromptly(final int port, final String what) throws IOException {
        final TunnelClient opened;
        try {
            opened = TunnelClient.echo(port, what);
        } catch (final java.net.SocketException e) {
            // the proxy reset the connection as it accepted it, before connect() had returned here
            System.out.println(what + ": reset while connecting (" + e.getMessage() + ")");
            return;
        }
        try (TunnelClient client = opened) {
            final Socket socket = client.socket();
            try {
                socket.getOutputStream().write("hello?\n".getBytes(US_ASCII));
                socket.getOutputStream().flush();
            } catch (final IOException e) {
                System.out.println(what + ": closed before the first write");
                return;   // closed already
            }
            final Duration took = client.awaitClosed(PROMPTLY);
            System.out.printf("%s: closed after %d ms%n", what, took.toMillis());
        }
    }

    private static void assertNoStackTrace(final ProxyProcess proxy, final String log) {
        assertEquals(List.of(), ProxyLogs.stackTraceLines(log), proxy + " logged a stack trace\n" + proxy.logTail(60));
    }
}
