package org.ptth.proxy.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ptth.protocol.mux.FrameType;
import org.ptth.proxy.relayclient.HttpProxySetting;
import org.ptth.proxy.relayclient.RelayTrust;

/** The mux connection over HTTPS with a private CA (--ca-file), and through an HTTP proxy with CONNECT. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MuxTlsAndProxyTest {

    @TempDir
    Path dir;

    @Test
    void anHttpsRelayWithAPrivateCaIsTrustedWithCaFileOnly() throws Exception {
        final Path keystore = dir.resolve("relay.p12");
        final Path pem = dir.resolve("relay-ca.pem");
        keytool("-genkeypair", "-alias", "relay", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=ptth test relay", "-ext", "san=ip:127.0.0.1", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "relay", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-file", pem.toString());
        try (MuxRig rig = new MuxRig(dir.resolve("tomcat"), keystore)) {
            assertTrue(rig.relay.baseUrl().startsWith("https://"));
            // the system's trust store alone: no connection, and a line that says why
            final Socket refused = rig.connect(rig.client(MuxRig.MUX));
            final String line = rig.nextLine("relay unreachable");
            assertTrue(line.contains("TLS: the relay's certificate is not trusted") && line.contains("--ca-file"), line);

            final SSLContext trusting = RelayTrust.withCaFile(pem);
            final InetSocketAddress address = rig.client(MuxRig.MUX, rig.relayConfig(trusting, HttpProxySetting.DIRECT));
            final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
            roundTrip(rig, relay, address);
        }
    }

    @Test
    void theMuxConnectionGoesThroughAnHttpProxyWithConnect() throws Exception {
        try (ConnectProxy proxy = new ConnectProxy(); MuxRig rig = new MuxRig(dir)) {
            final HttpProxySetting viaProxy = HttpProxySetting.resolve(null, "http",
                    Map.of("http_proxy", "http://127.0.0.1:" + proxy.port()));
            final InetSocketAddress address = rig.client(MuxRig.MUX, rig.relayConfig(null, viaProxy));
            final FakeMuxRelay.Peer relay = rig.relay.nextConnection();
            roundTrip(rig, relay, address);
            final String relayPort = rig.relay.baseUrl().split(":")[2].split("/")[0];
            assertEquals(List.of("CONNECT 127.0.0.1:" + relayPort + " HTTP/1.1"), proxy.requestLines);
        }
    }

    private static void roundTrip(final MuxRig rig, final FakeMuxRelay.Peer relay, final InetSocketAddress address)
            throws Exception {
        final Socket user = rig.connect(address);
        final int tunnel = relay.nextOpen().tunnel();
        relay.opened(tunnel);
        user.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        final StringBuilder got = new StringBuilder();
        while (got.length() < 4) {
            got.append(relay.expect(tunnel, FrameType.DATA).text());
        }
        assertEquals("ping", got.toString());
        relay.data(tunnel, "pong".getBytes(StandardCharsets.US_ASCII));
        assertEquals("pong", new String(user.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
    }

    private static void keytool(final String... args) throws Exception {
        final Path tool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        final List<String> command = new ArrayList<>(List.of(tool.toString()));
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), "keytool " + String.join(" ", args) + ": " + output);
    }

    /** An HTTP proxy that knows CONNECT and nothing else: notes the request line, then copies bytes both ways. */
    private static final class ConnectProxy implements AutoCloseable {

        final List<String> requestLines = new CopyOnWriteArrayList<>();
        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

        ConnectProxy() throws IOException {
            final Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        final Socket client = listener.accept();
                        daemon(() -> tunnel(client));
                    } catch (final IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void tunnel(final Socket client) {
            try (client) {
                final InputStream in = client.getInputStream();
                final String requestLine = line(in);
                requestLines.add(requestLine);
                while (!line(in).isEmpty()) {
                    // the rest of the head
                }
                final String[] parts = requestLine.split(" ");
                if (!"CONNECT".equals(parts[0])) {
                    client.getOutputStream().write("HTTP/1.1 405 Method Not Allowed\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    return;
                }
                final String[] hostPort = parts[1].split(":");
                try (Socket upstream = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
                    client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    final Thread back = daemon(() -> copy(upstream, client));
                    copy(client, upstream);
                    back.join();
                }
            } catch (final IOException | InterruptedException | RuntimeException gone) {
                // the test is over with this connection
            }
        }

        private static String line(final InputStream in) throws IOException {
            final ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            return line.toString(StandardCharsets.US_ASCII).strip();
        }

        private static void copy(final Socket from, final Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
                to.shutdownOutput();
            } catch (final IOException gone) {
                // either end went away
            }
        }

        private static Thread daemon(final Runnable task) {
            final Thread thread = new Thread(task, "test-connect-proxy");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
