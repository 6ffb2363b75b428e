package org.ptth.relay.probes;

import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.relay.auth.KeyHashes;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What the relay's heap and threads pay per idle mux tunnel: the relay runs as
 * {@code java -jar ptth-relay.war} in a process of its own; this JVM plays one server proxy and
 * one client proxy (one mux connection each), opens N tunnels through it, and reads the relay's
 * status (heap used after a full GC, live threads) before and after.
 *
 * <pre>
 *   scripts/probes/mux-tunnel-heap [N]      (default 10000)
 * </pre>
 */
public final class MuxTunnelHeapProbe {
    private static final String SERVER_KEY = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";
    private static final String CLIENT_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private static final String ADMIN_KEY = "5e6f7a8b9c0d1e2f5e6f7a8b9c0d1e2f5e6f7a8b9c0d1e2f5e6f7a8b9c0d1e2f";

    public static void main(final String[] args) throws Exception {
        final int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        final Path war = Path.of(args.length > 1 ? args[1] : "relay-war/target/ptth-relay.war");
        final Path dir = Files.createTempDirectory("mux-tunnel-heap");
        final Path config = dir.resolve("ptth-relay.properties");
        Files.writeString(config, "server.srv.key-sha256=" + KeyHashes.sha256Hex(SERVER_KEY) + "\n"
                + "client.cli.key-sha256=" + KeyHashes.sha256Hex(CLIENT_KEY) + "\nclient.cli.allow=srv\n"
                + "admin.key-sha256=" + KeyHashes.sha256Hex(ADMIN_KEY) + "\n"
                + "limit.tunnels=" + (n + 100) + "\nlimit.tunnels-per-client=" + (n + 100)
                + "\nlimit.pending-connects-per-server=" + (n + 100) + "\n");
        final int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        final Process relay = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-jar", war.toString(), "--port", String.valueOf(port), "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("relay.log").toFile()).start();
        try {
            final String base = "http://127.0.0.1:" + port + "/ptth-relay/";
            awaitStatus(base);
            final MuxCarrierProbe.Peer server = MuxCarrierProbe.Peer.connect(base.replace("http", "ws") + "v1/srv/mux", SERVER_KEY);
            final MuxCarrierProbe.Peer client = MuxCarrierProbe.Peer.connect(base.replace("http", "ws") + "v1/srv/mux", CLIENT_KEY);
            final CountDownLatch opened = new CountDownLatch(n);
            server.handler = (type, tunnel, payload) -> {
                if (type == FrameType.OPEN) {
                    server.queue(b -> Frames.opened(b, tunnel), Frames.size(0));
                }
            };
            client.handler = (type, tunnel, payload) -> {
                if (type == FrameType.OPENED) {
                    opened.countDown();
                }
            };
            server.queue(b -> Frames.listen(b, List.of("idle")), Frames.size(Frames.listenPayload(List.of("idle"))));
            Thread.sleep(500);
            final Map<String, Long> before = status(base);
            final long start = System.nanoTime();
            for (int t = 1; t <= n; t++) {
                final int number = t;
                client.queue(b -> Frames.open(b, number, "idle", "", ByteBuffer.allocate(0)),
                        Frames.size(Frames.openPayload("idle", "", 0)));
                if (t % 500 == 0) {
                    Thread.sleep(5); // let the batches go out
                }
            }
            if (!opened.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(opened.getCount() + " tunnels did not open");
            }
            final double openSeconds = (System.nanoTime() - start) / 1e9;
            Thread.sleep(2000);
            final Map<String, Long> after = status(base);
            final long heap = after.get("heap_used_bytes") - before.get("heap_used_bytes");
            System.out.printf("%d idle mux tunnels (one server and one client connection), opened in %.1f s%n", n, openSeconds);
            System.out.printf("relay tunnels %d -> %d, threads %d -> %d, heap after GC %.1f -> %.1f MiB: %.2f KiB per tunnel%n",
                    before.get("tunnels"), after.get("tunnels"), before.get("threads"), after.get("threads"),
                    before.get("heap_used_bytes") / 1048576.0, after.get("heap_used_bytes") / 1048576.0, heap / 1024.0 / n);
            client.close();
            server.close();
        } finally {
            relay.destroy();
            relay.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void awaitStatus(final String base) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                status(base);
                return;
            } catch (final java.io.IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(200);
            }
        }
    }

    /** The relay's status after a full GC. */
    private static Map<String, Long> status(final String base) throws Exception {
        final HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(
                HttpRequest.newBuilder(URI.create(base + "status?gc=1")).header("Authorization", "Bearer " + ADMIN_KEY)
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new java.io.IOException("status " + r.statusCode());
        }
        final Map<String, Long> figures = new TreeMap<>();
        for (final String line : r.body().split("\n")) {
            final int eq = line.indexOf('=');
            if (eq > 0) {
                figures.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).strip()));
            }
        }
        return figures;
    }
}
