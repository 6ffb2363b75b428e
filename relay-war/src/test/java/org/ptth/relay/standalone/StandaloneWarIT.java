package org.ptth.relay.standalone;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.protocol.mux.FrameType;
import org.ptth.relay.support.MuxClient;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The packaged WAR run as {@code java -jar target/ptth-relay.war} in a process of its own (failsafe
 * runs this after the package phase): it must serve the relay, stop on SIGTERM, and still look
 * like a plain web application to a container.
 */
class StandaloneWarIT {
    private static final Duration START_WITHIN = Duration.ofSeconds(60);

    private Path dir;
    private Path war;
    private Process process;
    private Path output;

    @BeforeEach
    void setUp() throws IOException {
        war = Path.of(System.getProperty("basedir", "."), "target", "ptth-relay.war").toAbsolutePath();
        assertTrue(Files.isRegularFile(war), war + " is missing: run through mvn verify (after package)");
        dir = Files.createTempDirectory("ptth-standalone-it");
        output = dir.resolve("relay.log");
    }

    @AfterEach
    void tearDown() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    @Timeout(120)
    void servesTheRelayAndStopsOnSigterm() throws Exception {
        final Path config = dir.resolve("relay.properties");
        Files.writeString(config, "server.srv.key-sha256=" + sha256Hex("0123456789abcdef") + "\n");
        final int port = freePort();
        process = start("--port", String.valueOf(port), "--host", "127.0.0.1", "--config", config.toString());

        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        final URI listen = URI.create("http://127.0.0.1:" + port + "/ptth-relay/v1/x/listen/y");
        final long deadline = System.nanoTime() + START_WITHIN.toNanos();
        int status = -1;
        while (status != 401) {
            if (!process.isAlive()) {
                fail("the relay exited with " + process.exitValue() + " before answering:\n" + log());
            }
            if (System.nanoTime() > deadline) {
                fail("no 401 from " + listen + " within " + START_WITHIN + " (last status " + status + "):\n" + log());
            }
            try {
                status = http.send(HttpRequest.newBuilder(listen).timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (final ConnectException notYet) {
                status = -1;
            }
            if (status != 401) {
                Thread.sleep(200);
            }
        }
        final HttpResponse<String> get = http.send(HttpRequest.newBuilder(listen).timeout(Duration.ofSeconds(5))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode(), get.body());
        assertEquals("POST", get.headers().firstValue("Allow").orElse(null));

        // the multiplexed transport: the upgrade works in the standalone mode too
        final MuxClient mux = MuxClient.connect("http://127.0.0.1:" + port + "/ptth-relay/", "srv", "0123456789abcdef");
        mux.send(MuxClient.ping(5));
        assertEquals(FrameType.PONG, mux.next().type());

        process.destroy(); // SIGTERM: the shutdown hook stops Tomcat
        final MuxClient.Frame goaway = mux.next();
        assertEquals(FrameType.GOAWAY, goaway.type());
        assertEquals("relay stopping", goaway.text());
        assertEquals("1001 relay stopping", mux.closedWith());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the relay did not exit after SIGTERM:\n" + log());
        assertFalse(process.isAlive());
        final String log = log();
        assertTrue(log.contains("ptth relay stopped; 0 tunnels finished during the grace, 0 cut"), "the web application was not stopped:\n" + log);
        assertTrue(log.strip().endsWith("ptth relay stopped"), "the launcher did not finish its shutdown:\n" + log);
    }

    @Test
    @Timeout(60)
    void badCommandLineIsOneLineAndExitCode2() throws Exception {
        process = start("--port", "not-a-port");
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        final List<String> lines = Files.readAllLines(output).stream().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("ptth-relay: --port"), lines.get(0));
    }

    @Test
    @Timeout(60)
    void helpExitsZero() throws Exception {
        process = start("--help");
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        assertTrue(log().contains("--context-path"), log());
    }

    @Test
    void warStillLooksLikeAPlainWebApplication() throws IOException {
        try (JarFile jar = new JarFile(war.toFile())) {
            assertEquals("org.ptth.relay.standalone.Main", jar.getManifest().getMainAttributes().getValue("Main-Class"));
            assertNotNull(jar.getEntry("org/ptth/relay/standalone/Main.class"), "launcher at the WAR root");
            final List<String> standaloneJars = new ArrayList<>();
            final List<String> libs = new ArrayList<>();
            jar.stream().forEach(e -> {
                final String name = e.getName();
                if (name.startsWith("WEB-INF/lib/") && name.endsWith(".jar")) {
                    libs.add(name);
                }
                assertFalse(name.startsWith("WEB-INF/classes/org/ptth/relay/standalone/"),
                        name + ": the launcher must stay out of WEB-INF/classes");
                if (name.startsWith("WEB-INF/lib-standalone/") && name.endsWith(".jar")) {
                    standaloneJars.add(name);
                }
            });
            assertTrue(standaloneJars.stream().anyMatch(n -> n.contains("tomcat-embed-core")), standaloneJars.toString());
            // the protocol module, shared with the proxies, and the metrics library are the web
            // application's only libraries: no container jar among them
            assertTrue(libs.stream().anyMatch(n -> n.startsWith("WEB-INF/lib/ptth-protocol-")), libs.toString());
            assertTrue(libs.stream().allMatch(n -> n.startsWith("WEB-INF/lib/ptth-protocol-")
                    || n.startsWith("WEB-INF/lib/prometheus-metrics-")), "WEB-INF/lib holds " + libs);
            assertNotNull(jar.getEntry("WEB-INF/classes/org/ptth/relay/RelayLifecycle.class"));
        }
    }

    private Process start(final String... args) throws IOException {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(war.toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
    }

    private String log() throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "(no output)";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String sha256Hex(final String text) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
