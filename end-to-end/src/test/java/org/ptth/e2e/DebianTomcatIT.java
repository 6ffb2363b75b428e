package org.ptth.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.ptth.e2e.harness.AutoCloseables;
import org.ptth.e2e.harness.ExternalTool;
import org.ptth.e2e.harness.FreePorts;
import org.ptth.e2e.harness.Keys;
import org.ptth.e2e.harness.ProxyProcess;
import org.ptth.e2e.harness.RelayConfig;
import org.ptth.e2e.harness.StandaloneTomcat;
import org.ptth.e2e.harness.TcpHandlers;
import org.ptth.e2e.harness.TcpTestServer;
import org.ptth.e2e.harness.TestEnvironment;
import org.ptth.e2e.harness.Transfer;
import org.ptth.e2e.harness.TunnelClient;

/**
 * The relay in Debian's own Tomcat 10 (the {@code tomcat10} package): Debian's binaries in
 * /usr/share/tomcat10 as CATALINA_HOME, and a CATALINA_BASE laid out like Debian's /var/lib/tomcat10
 * with a copy of /etc/tomcat10 as conf/. The relay finds its configuration at its default location,
 * conf/ptth-relay.properties, with no system property, as an operator following the README sets it up.
 *
 * <p>Without the package the test is skipped, except under CI ({@code CI=true}), whose scripts/test
 * installs it: there a missing package is a failure ({@link ExternalTool#assumePresent}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DebianTomcatIT {

    private static final Path DEBIAN_HOME = Path.of("/usr/share/tomcat10");
    private static final Path DEBIAN_CONF = Path.of("/etc/tomcat10");
    private static final String SERVER = "debian-server";
    private static final String CLIENT = "debian-client";
    private static final String PORT = "svc";
    private static final int REPLY_BYTES = 300 * 1024;

    private final AutoCloseables running = new AutoCloseables();
    private StandaloneTomcat tomcat;
    private ProxyProcess serverProxy;
    private int clientPort;

    @BeforeAll
    void startChain() throws IOException {
        final boolean installed = Files.isRegularFile(DEBIAN_HOME.resolve("bin/catalina.sh"))
                && Files.isRegularFile(DEBIAN_CONF.resolve("server.xml"));
        ExternalTool.assumePresent(installed, "Debian's tomcat10 not found (" + DEBIAN_HOME + "/bin/catalina.sh, "
                + DEBIAN_CONF + "/server.xml): sudo apt-get install tomcat10");

        final Path jar = TestEnvironment.proxyJar();
        final Path work = TestEnvironment.newWorkDir(getClass().getSimpleName());
        final TcpTestServer target = running.add(TcpTestServer.start("target", TcpHandlers.dispatch(Map.of(
                'E', TcpHandlers.echo(),
                'R', TcpHandlers.digestThenReply(REPLY_BYTES)))));
        final RelayConfig config = RelayConfig.create(work.resolve("relay.properties"));
        final Keys keys = new Keys(jar, work.resolve("keys"), config);
        final Path serverKey = keys.server(SERVER);
        final Path clientKey = keys.client(CLIENT, SERVER + "/" + PORT);

        tomcat = running.add(StandaloneTomcat.builder(DEBIAN_HOME, work.resolve("var-lib-tomcat10"))
                .debianBase(DEBIAN_CONF)
                .war(TestEnvironment.relayWar())
                .relayConfig(config.file())
                .start());
        final Path logs = work.resolve("logs");
        serverProxy = running.add(ProxyProcess.server(jar, logs, tomcat.relayBase(), serverKey, SERVER,
                Map.of(PORT, target.address()), 1));
        clientPort = FreePorts.next();
        running.add(ProxyProcess.client(jar, logs, tomcat.relayBase(), clientKey, SERVER, PORT, clientPort, 1));
    }

    @AfterAll
    void stopChain() {
        running.closeAll();
        if (tomcat != null) {
            System.out.println("Debian Tomcat's console: " + tomcat.consoleLog());
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void runsInDebiansTomcatWithTheConfigAtItsDefaultPlace() {
        final String console = tomcat.consoleText();
        assertTrue(console.contains(DEBIAN_HOME.toString()),
                "Tomcat's start-up lines name Debian's CATALINA_HOME\n" + tomcat.consoleTail(40));
        assertTrue(console.contains("configuration " + tomcat.base().resolve("conf/ptth-relay.properties")),
                "the relay reads conf/ptth-relay.properties of the base\n" + tomcat.consoleTail(40));
        assertEquals(List.of(), tomcat.problemLines(), "problems in Tomcat's log");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void echoBothWaysThenHalfClose() throws IOException {
        try (TunnelClient client = TunnelClient.echo(clientPort, "echo")) {
            client.roundTrip("hello from the TCP client");
            client.roundTrip(new String(new char[40_000]).replace('\0', 'x'));
            client.endAndExpectEnd();
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverRepliesAfterTheClientsHalfClose() throws IOException {
        final byte[] request = Transfer.randomBytes(200 * 1024 + 3, 11);
        try (Socket socket = TunnelClient.connect(clientPort)) {
            final OutputStream out = socket.getOutputStream();
            out.write('R');
            out.write(request);
            out.flush();
            socket.shutdownOutput();
            final InputStream in = socket.getInputStream();
            final byte[] reply = in.readAllBytes();
            assertEquals(32 + REPLY_BYTES + 32, reply.length, "reply length, up to end of stream\n"
                    + serverProxy.logTail(20));
            assertArrayEquals(Transfer.sha256(request), Arrays.copyOfRange(reply, 0, 32),
                    "the server's digest of what it read up to the client's half-close");
            final byte[] body = Arrays.copyOfRange(reply, 32, 32 + REPLY_BYTES);
            assertArrayEquals(Transfer.sha256(body), Arrays.copyOfRange(reply, 32 + REPLY_BYTES, reply.length),
                    "the reply's own digest");
        }
    }
}
