package org.ptth.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ptth.proxy.cli.Main;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * The real process: a client proxy that drains on SIGTERM and exits 0, and a server proxy that
 * reloads its exposed ports on SIGHUP. Both run as {@code java} on the test class path, against a
 * relay that is a raw socket test double where one is needed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SignalsProcessTest {

    private static final int WAIT_SECONDS = 30;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    @AfterEach
    void kill() {
        processes.forEach(Process::destroyForcibly);
    }

    private Process start(final String... args) throws IOException {
        final List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(process);
        final Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (final IOException ended) {
                // the process is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    private String awaitLine(final String text) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        final List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            final String line = lines.poll(1, TimeUnit.SECONDS);
            if (line != null) {
                seen.add(line);
                if (line.contains(text)) {
                    return line;
                }
            }
        }
        throw new AssertionError("no line with '" + text + "' in " + seen + "; processes: "
                + processes.stream().map(p -> p.isAlive() ? "alive" : "exit " + p.exitValue()).toList());
    }

    private Path keyFile() throws IOException {
        final Path file = dir.resolve("proxy.key");
        Files.writeString(file, org.ptth.proxy.key.KeyFile.generateKey() + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Test
    void sigtermStopsAcceptingLetsTheOpenTunnelFinishAndExitsZero() throws Exception {
        try (Rig rig = new Rig(null, TunnelSettings.defaults(), org.ptth.proxy.relayclient.RelayClient::new)) {
            final Path key = dir.resolve("client.key");
            Files.writeString(key, rig.clientKey + "\n");
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            final Process client = start("client", "--relay", rig.relay.baseUrl(), "--key-file", key.toString(),
                    "--server", "office", "--port", "echo", "--listen", "127.0.0.1:0", "--grace", "60",
                    "--http-proxy", "none", "--fail-fast");
            final Matcher listening = Pattern.compile("listening on /127.0.0.1:(\\d+) ")
                    .matcher(awaitLine("listening on"));
            assertTrue(listening.find());
            final int port = Integer.parseInt(listening.group(1));

            try (Socket user = new Socket(InetAddress.getLoopbackAddress(), port)) {
                user.setSoTimeout(WAIT_SECONDS * 1000);
                user.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                assertEquals("ping", new String(user.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));

                signal(client, "TERM"); // not destroy(): it closes our end of the process's output
                awaitLine("stopping (SIGTERM): no new connections");
                awaitLine("waiting up to 60 s for 1 open tunnel to finish");
                assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
                        "the listening socket is closed");
                user.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
                assertEquals("pong", new String(user.getInputStream().readNBytes(4), StandardCharsets.US_ASCII),
                        "the open tunnel still works");
                assertTrue(client.isAlive(), "still draining");

                user.shutdownOutput();
                assertEquals(-1, user.getInputStream().read(), "the tunnel ends cleanly");
                assertTrue(client.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "exits once drained");
                assertEquals(0, client.exitValue());
                awaitLine("both sides closed");
                awaitLine("stopped");
            }
        }
    }

    @Test
    void muxSigtermSendsGoawayLetsTheOpenTunnelFinishAndExitsZero() throws Exception {
        final String key = org.ptth.proxy.key.KeyFile.generateKey();
        try (org.ptth.proxy.mux.FakeMuxRelay relay = new org.ptth.proxy.mux.FakeMuxRelay(key, dir.resolve("relay"))) {
            final Path keyFile = dir.resolve("mux-client.key");
            Files.writeString(keyFile, key + "\n");
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            final Process client = start("client", "--relay", relay.baseUrl(), "--key-file", keyFile.toString(),
                    "--server", "office", "--port", "echo", "--listen", "127.0.0.1:0", "--grace", "60",
                    "--http-proxy", "none", "--transport", "mux");
            final Matcher listening = Pattern.compile("listening on /127.0.0.1:(\\d+) ")
                    .matcher(awaitLine("listening on"));
            assertTrue(listening.find());
            final int port = Integer.parseInt(listening.group(1));
            final org.ptth.proxy.mux.FakeMuxRelay.Peer peer = relay.nextConnection();
            awaitLine("transport mux: connected");

            try (Socket user = new Socket(InetAddress.getLoopbackAddress(), port)) {
                user.setSoTimeout(WAIT_SECONDS * 1000);
                final int tunnel = peer.nextOpen().tunnel();
                peer.opened(tunnel);

                signal(client, "TERM");
                awaitLine("stopping (SIGTERM): no new connections");
                peer.expect(0, org.ptth.protocol.mux.FrameType.GOAWAY);
                awaitLine("waiting up to 60 s for 1 open tunnel to finish");
                assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
                        "the listening socket is closed");
                user.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                assertEquals("ping", peer.expect(tunnel, org.ptth.protocol.mux.FrameType.DATA).text(),
                        "the open tunnel still works");
                peer.data(tunnel, "pong".getBytes(StandardCharsets.US_ASCII));
                assertEquals("pong", new String(user.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
                assertTrue(client.isAlive(), "still draining");

                user.shutdownOutput();
                peer.expect(tunnel, org.ptth.protocol.mux.FrameType.END);
                peer.end(tunnel);
                assertEquals(-1, user.getInputStream().read(), "the tunnel ends cleanly");
                assertTrue(client.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "exits once drained");
                assertEquals(0, client.exitValue());
                awaitLine("both sides closed");
                awaitLine("stopped");
            }
        }
    }

    @Test
    void muxServerSigtermSendsGoawayLetsTheOpenTunnelFinishAndExitsZero() throws Exception {
        final String key = org.ptth.proxy.key.KeyFile.generateKey();
        try (org.ptth.proxy.mux.FakeMuxRelay relay = new org.ptth.proxy.mux.FakeMuxRelay(key, dir.resolve("relay"));
             java.net.ServerSocket target = new java.net.ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            final Path keyFile = dir.resolve("mux-server.key");
            Files.writeString(keyFile, key + "\n");
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            final Process server = start("server", "--relay", relay.baseUrl(), "--key-file", keyFile.toString(),
                    "--name", "office", "--expose", "echo=127.0.0.1:" + target.getLocalPort(), "--grace", "60",
                    "--http-proxy", "none", "--transport", "mux");
            final org.ptth.proxy.mux.FakeMuxRelay.Peer peer = relay.nextConnection();
            peer.expect(0, org.ptth.protocol.mux.FrameType.LISTEN);
            peer.open(1, "echo", "laptop", "ping".getBytes(StandardCharsets.US_ASCII));
            try (Socket service = target.accept()) {
                service.setSoTimeout(WAIT_SECONDS * 1000);
                assertEquals("ping", new String(service.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
                peer.expect(1, org.ptth.protocol.mux.FrameType.OPENED);

                signal(server, "TERM");
                peer.expect(0, org.ptth.protocol.mux.FrameType.GOAWAY);
                awaitLine("waiting up to 60 s for 1 open tunnel to finish");
                service.getOutputStream().write("pong".getBytes(StandardCharsets.US_ASCII));
                assertEquals("pong", peer.expect(1, org.ptth.protocol.mux.FrameType.DATA).text(),
                        "the open tunnel still works");
                assertTrue(server.isAlive(), "still draining");

                service.shutdownOutput();
                peer.expect(1, org.ptth.protocol.mux.FrameType.END);
                peer.end(1);
                assertEquals(-1, service.getInputStream().read(), "the tunnel ends cleanly");
                assertTrue(server.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "exits once drained");
                assertEquals(0, server.exitValue());
                awaitLine("both sides closed");
            }
        }
    }

    @Test
    void sighupReloadsTheExposedPortsFromTheConfigFile() throws Exception {
        final Path config = dir.resolve("server.properties");
        final Path log = dir.resolve("server.log");
        Files.writeString(config, "relay=http://127.0.0.1:9/\nname=office\nkey-file=" + keyFile() + "\n"
                + "expose.1=a=127.0.0.1:1\nlog-file=" + log + "\n");
        final Process server = start("server", "--config", config.toString(), "--polls", "1");
        awaitFileLine(log, "exposing office/a -> 127.0.0.1:1");

        Files.writeString(config, "relay=http://127.0.0.1:9/\nname=office\nkey-file=" + keyFile() + "\n"
                + "expose.1=b=127.0.0.1:2\nlog-file=" + log + "\n");
        signal(server, "HUP");
        final String reloaded = awaitFileLine(log, "reloaded " + config);
        assertTrue(reloaded.contains("added b -> 127.0.0.1:2; removed a -> 127.0.0.1:1"), reloaded);
        assertTrue(server.isAlive(), "SIGHUP does not stop the server");

        signal(server, "TERM");
        assertTrue(server.waitFor(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, server.exitValue());
        awaitFileLine(log, "stopped");
    }

    private static void signal(final Process process, final String name) throws Exception {
        final Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        assertEquals(0, kill.waitFor(), "kill -" + name);
    }

    private static String awaitFileLine(final Path file, final String text) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                for (final String line : Files.readAllLines(file)) {
                    if (line.contains(text)) {
                        return line;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no line with '" + text + "' in " + (Files.exists(file) ? Files.readString(file) : "(none)"));
    }
}
