package org.ptth.relay.probes;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;
import org.ptth.protocol.mux.FrameParser;
import org.ptth.protocol.mux.FrameType;
import org.ptth.protocol.mux.Frames;
import org.ptth.relay.RelayContext;
import org.ptth.relay.RelayLifecycle;
import org.ptth.relay.auth.KeyHashes;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.endpoints.RelayServlet;
import org.ptth.relay.errors.RelayException;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Measures the two carriers of a mux connection against each other: the relay's own RFC 6455 code
 * on the Servlet upgrade API ("upgrade", what the relay serves at v1/{server}/mux) and Tomcat's
 * jakarta.websocket implementation with RemoteEndpoint.Async ("jsr", served here at
 * jsr/{server}/mux), both under the same connection, router and batching. One relay in this JVM;
 * a client and a server proxy played by the JDK's WebSocket client, also in this JVM. Many tunnels
 * ping-pong small DATA frames through the relay; the figures are round trips per second, the CPU
 * time the relay's threads (Tomcat's http-nio-* threads and the mux timer) spent per round trip,
 * and the round trip time. Each carrier runs twice, alternating.
 *
 * <pre>
 *   scripts/probes/mux-carriers [TUNNELS] [SECONDS]      (default 50 tunnels, 10 s per run)
 * </pre>
 */
public final class MuxCarrierProbe {
    private static final String SERVER_KEY = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";
    private static final String CLIENT_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private static final int PING_BYTES = 32;

    public static void main(final String[] args) throws Exception {
        final int tunnels = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        final int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        final Path dir = Files.createTempDirectory("mux-carrier-probe");
        final Path config = dir.resolve("ptth-relay.properties");
        Files.writeString(config, "server.srv.key-sha256=" + KeyHashes.sha256Hex(SERVER_KEY) + "\n"
                + "client.cli.key-sha256=" + KeyHashes.sha256Hex(CLIENT_KEY) + "\nclient.cli.allow=srv\n");
        final Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(dir.toString());
        final Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.setConnector(connector);
        final Context ctx = tomcat.addContext("/relay", dir.toString());
        ctx.addParameter(RelayLifecycle.CONFIG_PROPERTY, config.toString());
        ctx.addApplicationListener(RelayLifecycle.class.getName());
        ctx.addServletContainerInitializer(new WsSci(), null);
        Tomcat.addServlet(ctx, "relay", new RelayServlet()).setAsyncSupported(true);
        ctx.addServletMappingDecoded("/v1/*", "relay");
        Tomcat.addServlet(ctx, "jsr", new JsrMuxServlet());
        ctx.addServletMappingDecoded("/jsr/*", "jsr");
        tomcat.start();
        final String base = "ws://127.0.0.1:" + connector.getLocalPort() + "/relay/";
        System.out.printf("%d tunnels ping-ponging %d-byte DATA frames, %d s per run after 5 s of warm-up; %d CPUs%n",
                tunnels, PING_BYTES, seconds, Runtime.getRuntime().availableProcessors());
        System.out.printf("%-8s %8s %14s %16s %10s %10s%n", "carrier", "tunnels", "round trips/s",
                "relay CPU us/rt", "RTT p50", "RTT p99");
        try {
            for (int round = 0; round < 2; round++) {
                for (final String carrier : List.of("upgrade", "jsr")) {
                    final String prefix = carrier.equals("upgrade") ? base + "v1/" : base + "jsr/";
                    report(carrier, tunnels, run(prefix, tunnels, seconds));
                    report(carrier, 1, run(prefix, 1, seconds));
                }
            }
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private static void report(final String carrier, final int tunnels, final Result r) {
        System.out.printf("%-8s %8d %14.0f %16.1f %8.0f us %8.0f us%n", carrier, tunnels, r.perSecond(),
                r.relayCpuMicrosPerRoundTrip(), r.p50Micros(), r.p99Micros());
    }

    record Result(double perSecond, double relayCpuMicrosPerRoundTrip, double p50Micros, double p99Micros) {
    }

    /** One run: connect both proxies, open the tunnels, warm up, measure, close. */
    private static Result run(final String prefix, final int tunnels, final int seconds) throws Exception {
        final Peer server = Peer.connect(prefix + "srv/mux", SERVER_KEY);
        final Peer client = Peer.connect(prefix + "srv/mux", CLIENT_KEY);
        final AtomicLong roundTrips = new AtomicLong();
        final long[] rtts = new long[4_000_000];
        final AtomicLong rttCount = new AtomicLong();
        final java.util.concurrent.atomic.AtomicBoolean measuring = new java.util.concurrent.atomic.AtomicBoolean();
        final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        final CountDownLatch allOpen = new CountDownLatch(tunnels);
        server.handler = (type, tunnel, payload) -> {
            switch (type) {
                case OPEN -> server.queue(b -> Frames.opened(b, tunnel), Frames.size(0));
                case DATA -> {
                    final int n = payload.remaining();
                    final ByteBuffer copy = ByteBuffer.allocate(n).put(payload).flip();
                    server.queue(b -> Frames.data(b, tunnel, copy), Frames.size(n));
                    server.consumed(tunnel, n);
                }
                default -> { }
            }
        };
        client.handler = (type, tunnel, payload) -> {
            switch (type) {
                case OPENED -> {
                    allOpen.countDown();
                    client.queue(b -> ping(b, tunnel), Frames.size(PING_BYTES));
                }
                case DATA -> {
                    final long sent = payload.getLong(payload.position());
                    client.consumed(tunnel, payload.remaining());
                    if (measuring.get()) {
                        roundTrips.incrementAndGet();
                        final long i = rttCount.getAndIncrement();
                        if (i < rtts.length) {
                            rtts[(int) i] = System.nanoTime() - sent;
                        }
                    }
                    if (running.get()) {
                        client.queue(b -> ping(b, tunnel), Frames.size(PING_BYTES));
                    }
                }
                default -> { }
            }
        };
        server.queue(b -> Frames.listen(b, List.of("echo")), Frames.size(Frames.listenPayload(List.of("echo"))));
        Thread.sleep(200);
        for (int t = 1; t <= tunnels; t++) {
            final int number = t;
            client.queue(b -> Frames.open(b, number, "echo", "", ByteBuffer.allocate(0)),
                    Frames.size(Frames.openPayload("echo", "", 0)));
        }
        if (!allOpen.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("tunnels did not open");
        }
        Thread.sleep(5000);
        final long cpuBefore = relayCpuNanos();
        final long start = System.nanoTime();
        measuring.set(true);
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        final long elapsed = System.nanoTime() - start;
        final long cpu = relayCpuNanos() - cpuBefore;
        running.set(false);
        Thread.sleep(300);
        client.close();
        server.close();
        Thread.sleep(500);
        final long n = roundTrips.get();
        final long[] sample = Arrays.copyOf(rtts, (int) Math.min(rtts.length, rttCount.get()));
        Arrays.sort(sample);
        return new Result(n * 1e9 / elapsed, cpu / 1e3 / Math.max(1, n),
                sample.length == 0 ? 0 : sample[sample.length / 2] / 1e3,
                sample.length == 0 ? 0 : sample[(int) (sample.length * 0.99)] / 1e3);
    }

    private static void ping(final ByteBuffer b, final int tunnel) {
        final ByteBuffer payload = ByteBuffer.allocate(PING_BYTES).putLong(System.nanoTime());
        payload.position(PING_BYTES).flip();
        Frames.data(b, tunnel, payload);
    }

    /** CPU time of the relay's threads: Tomcat's connector threads and the relay's own. */
    private static long relayCpuNanos() {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (final ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && (info.getThreadName().startsWith("http-nio-") || info.getThreadName().startsWith("ptth-relay"))) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    /** A proxy's mux connection on the JDK's WebSocket client, gathering the frames it queues into one message at a time. */
    static final class Peer implements WebSocket.Listener {
        private final FrameParser parser = new FrameParser();
        private final Map<Integer, Integer> unconsumed = new java.util.concurrent.ConcurrentHashMap<>();
        private ByteBuffer pending = ByteBuffer.allocate(Frames.MAX_MESSAGE_BYTES);
        private boolean inFlight;
        volatile FrameParser.Sink handler;
        private WebSocket ws;

        static Peer connect(final String uri, final String key) throws Exception {
            final Peer peer = new Peer();
            peer.ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + key)
                    .subprotocols(Frames.SUBPROTOCOL).buildAsync(URI.create(uri), peer).get(10, TimeUnit.SECONDS);
            return peer;
        }

        /** Grants credit back once a quarter of the window was consumed. */
        void consumed(final int tunnel, final int bytes) {
            final int total = unconsumed.merge(tunnel, bytes, Integer::sum);
            if (total >= Frames.INITIAL_WINDOW / 4) {
                unconsumed.put(tunnel, 0);
                queue(b -> Frames.credit(b, tunnel, total), Frames.size(4));
            }
        }

        void queue(final Consumer<ByteBuffer> frame, final int size) {
            synchronized (this) {
                if (pending.remaining() < size) {
                    throw new IllegalStateException("probe peer's message full");
                }
                frame.accept(pending);
                if (!inFlight) {
                    sendPending();
                }
            }
        }

        private void sendPending() {
            final ByteBuffer message = pending.flip();
            pending = ByteBuffer.allocate(Frames.MAX_MESSAGE_BYTES);
            inFlight = true;
            ws.sendBinary(message, true).whenComplete((w, e) -> {
                synchronized (this) {
                    inFlight = false;
                    if (e == null && pending.position() > 0) {
                        sendPending();
                    }
                }
            });
        }

        @Override
        public void onOpen(final WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onBinary(final WebSocket webSocket, final ByteBuffer data, final boolean last) {
            try {
                parser.feed(data, (type, tunnel, payload) -> {
                    if (type != FrameType.CREDIT && type != FrameType.PONG) {
                        handler.frame(type, tunnel, payload);
                    }
                });
            } catch (final Exception e) {
                e.printStackTrace();
            }
            webSocket.request(1);
            return null;
        }

        void close() {
            ws.abort();
        }
    }

    /** The jakarta.websocket side of the probe: the relay's checks, then Tomcat's upgrade with a {@link JsrCarrier}. */
    public static final class JsrMuxServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(final HttpServletRequest request, final HttpServletResponse response) throws IOException {
            final RelayContext relay = RelayContext.of(getServletContext());
            final Principal caller = relay.config().authenticator().authenticate(request.getHeader("Authorization"))
                    .orElse(null);
            if (caller == null) {
                response.sendError(401);
                return;
            }
            final String server = request.getPathInfo().split("/")[1];
            final Runnable release;
            try {
                release = relay.mux().admit(caller);
            } catch (final RelayException e) {
                response.sendError(e.status());
                return;
            }
            final JsrCarrier carrier = new JsrCarrier();
            carrier.bind(relay.mux().connect(caller, server, request.getRemoteAddr(), carrier, release));
            final ServerEndpointConfig sec = ServerEndpointConfig.Builder.create(JsrCarrier.class, "/jsr/{server}/mux")
                    .subprotocols(List.of(Frames.SUBPROTOCOL))
                    .configurator(new ServerEndpointConfig.Configurator() {
                        @Override
                        public <T> T getEndpointInstance(final Class<T> endpointClass) {
                            return endpointClass.cast(carrier);
                        }
                    }).build();
            final ServerContainer container = (ServerContainer) getServletContext()
                    .getAttribute(ServerContainer.class.getName());
            try {
                container.upgradeHttpToWebSocket(request, response, sec, Map.of("server", server));
            } catch (final Exception e) {
                release.run();
                throw new IOException(e);
            }
        }
    }
}
