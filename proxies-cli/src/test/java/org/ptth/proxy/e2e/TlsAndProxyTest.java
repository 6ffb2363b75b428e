package org.ptth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ptth.proxy.cli.ExitCode;
import org.ptth.proxy.cli.Main;
import org.ptth.proxy.cli.Terminal;
import org.ptth.proxy.relayclient.HttpProxySetting;
import org.ptth.proxy.relayclient.RelayAddress;
import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.relayclient.RelayTrust;
import org.ptth.proxy.tunnel.TunnelSettings;

/** An HTTPS relay with a self-signed certificate (--ca-file), and a relay reached through an HTTP proxy. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsAndProxyTest {

    private static final TunnelSettings SETTINGS = TunnelSettings.defaults();

    @TempDir
    Path dir;

    @Test
    void anHttpsRelayWithAPrivateCaNeedsCaFile() throws Exception {
        final Path keystore = dir.resolve("relay.p12");
        final Path pem = dir.resolve("relay-ca.pem");
        keytool("-genkeypair", "-alias", "relay", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=ptth test relay", "-ext", "san=ip:127.0.0.1", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "relay", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-file", pem.toString());

        final SSLContext serverTls = serverContext(keystore);
        final SSLContext trusting = RelayTrust.withCaFile(pem);
        try (Rig rig = new Rig(serverTls, SETTINGS, (address, key) -> new RelayClient(address, key, trusting,
                HttpProxySetting.DIRECT))) {
            final Path keyFile = dir.resolve("client.key");
            Files.writeString(keyFile, rig.clientKey + "\n");
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));

            // without --ca-file: one clear line, exit 4
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            final int code = Main.run(new String[] {"client", "--relay", rig.relay.baseUrl(), "--key-file",
                    keyFile.toString(), "--server", "office", "--port", "echo", "--listen", "0", "--fail-fast",
                    "--http-proxy", "none"},
                    new Terminal(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true)));
            final String message = err.toString(StandardCharsets.UTF_8);
            assertEquals(ExitCode.RELAY_UNREACHABLE, code, message);
            assertEquals(1, message.split("\n").length, message);
            assertTrue(message.startsWith("ptth-proxy: relay https://127.0.0.1:"), message);
            assertTrue(message.contains("TLS: the relay's certificate is not trusted") && message.contains("--ca-file"),
                    message);

            // with it: a tunnel works end to end over HTTPS
            rig.client(SETTINGS, new RelayClient(RelayAddress.parse(rig.relay.baseUrl()), rig.clientKey, trusting,
                    HttpProxySetting.DIRECT));
            echoOnce(rig);
        }
    }

    @Test
    void theRelayIsReachedThroughAnHttpProxy() throws Exception {
        try (ForwardingProxy proxy = new ForwardingProxy();
             Rig rig = new Rig(null, SETTINGS, RelayClient::new)) {
            final HttpProxySetting viaProxy = HttpProxySetting.resolve(null, "http",
                    Map.of("http_proxy", "http://127.0.0.1:" + proxy.port()));
            assertEquals(new HttpHost("http", "127.0.0.1", proxy.port()), viaProxy.proxyFor("127.0.0.1"));
            rig.client(SETTINGS, new RelayClient(RelayAddress.parse(rig.relay.baseUrl()), rig.clientKey, null,
                    viaProxy));
            echoOnce(rig);
            assertTrue(proxy.requestLines.stream().anyMatch(line -> line.startsWith("POST " + rig.relay.baseUrl()
                    + "v1/office/connect/echo ")), "connect went through the proxy: " + proxy.requestLines);
        }
    }

    private static void echoOnce(final Rig rig) throws Exception {
        try (Socket socket = new Socket(rig.address(0).getAddress(), rig.address(0).getPort())) {
            socket.setSoTimeout(Rig.WAIT_SECONDS * 1000);
            socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("ping\n", new String(socket.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
        }
    }

    private static SSLContext serverContext(final Path keystore) throws Exception {
        final KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        final KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static void keytool(final String... args) throws Exception {
        final Path tool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        final List<String> command = new java.util.ArrayList<>(List.of(tool.toString()));
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), "keytool " + String.join(" ", args) + ": " + output);
    }

    /**
     * A plain-HTTP forwarding proxy, just enough for the test: it notes each connection's first
     * request line (absolute URI), connects to the host named there, and then copies bytes both ways.
     */
    private static final class ForwardingProxy implements AutoCloseable {

        final List<String> requestLines = new CopyOnWriteArrayList<>();
        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final Thread acceptor = new Thread(this::acceptForever, "test-proxy");

        ForwardingProxy() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void acceptForever() {
            while (!listener.isClosed()) {
                try {
                    final Socket client = listener.accept();
                    final Thread forward = new Thread(() -> forward(client), "test-proxy-conn");
                    forward.setDaemon(true);
                    forward.start();
                } catch (final IOException closed) {
                    return;
                }
            }
        }

        private void forward(final Socket client) {
            try (client) {
                final InputStream in = client.getInputStream();
                final ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0 && b != '\n') {
                    line.write(b);
                }
                final String requestLine = line.toString(StandardCharsets.US_ASCII).strip();
                requestLines.add(requestLine);
                final java.net.URI uri = java.net.URI.create(requestLine.split(" ")[1]);
                try (Socket upstream = new Socket(uri.getHost(), uri.getPort())) {
                    final OutputStream toUpstream = upstream.getOutputStream();
                    toUpstream.write((requestLine + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    final Thread back = new Thread(() -> copy(upstream, client), "test-proxy-back");
                    back.setDaemon(true);
                    back.start();
                    copy(client, upstream);
                    back.join();
                }
            } catch (final IOException | InterruptedException | RuntimeException gone) {
                // the test is over with this connection
            }
        }

        private static void copy(final Socket from, final Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
                to.shutdownOutput();
            } catch (final IOException gone) {
                // either end went away
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
