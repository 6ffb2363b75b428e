package org.ptth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.ptth.e2e.harness.AutoCloseables;
import org.ptth.e2e.harness.FreePorts;
import org.ptth.e2e.harness.Prometheus;
import org.ptth.e2e.harness.ProxyProcess;
import org.ptth.e2e.harness.RelayConfig;
import org.ptth.e2e.harness.ReverseProxy;
import org.ptth.e2e.harness.StandaloneTomcat;
import org.ptth.e2e.harness.TcpHandlers;
import org.ptth.e2e.harness.TcpTestServer;
import org.ptth.e2e.harness.TestEnvironment;
import org.ptth.e2e.harness.Transfer;
import org.ptth.e2e.harness.TunnelClient;
import org.ptth.e2e.harness.Waits;

/**
 * Three relays (standalone Tomcats with the WAR, one configuration) behind one front as conf/ ships
 * it for several relays (only the addresses changed), {@value #SERVERS} server names, each with a
 * server proxy and a client proxy with their default transport (auto: mux through these fronts),
 * and a long-lived echo tunnel per server that carries checked bytes all the time:
 *
 * <ul>
 * <li>every server is reachable, each is online on exactly one relay, its tunnels are there, and
 * every relay has some (read from each relay's /metrics);</li>
 * <li>kill -9 of the relay with the most servers: the tunnels on the others go on, every byte
 * checked; those on the dead one end with a reset; every server is reachable again within
 * {@link #RECOVERY} without restarting any proxy;</li>
 * <li>that relay starts again: within {@link #RECOVERY} its servers are back on it and nowhere else
 * (consistent hashing), every server is reachable, and no client waits on a relay where its server
 * is not (no tunnel refused as "not online" on any relay afterwards). The proxies follow because
 * they renew their connections ({@code --renew-after}, {@value #RENEW_AFTER_SECONDS} s here); the
 * long-lived tunnels opened before the return go on through it on the connections they started on.</li>
 * </ul>
 *
 * The figures it prints (times to reset and to recovery, bytes checked) are what docs/scale-out.md
 * reports. Run it alone with {@code mvn -pl end-to-end verify -Dit.test=ScaleOutIT}, one front with
 * {@code -Dptth.e2e.fronts=HAPROXY}.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(ScaleOutIT.Front.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@Isolated("three Tomcats and forty proxies load both cores, and its bounds (RECOVERY) are what it checks")
class ScaleOutIT {

    enum Front { HAPROXY, NGINX }

    private static final int NODES = 3;
    private static final int SERVERS = 20;
    private static final String PORT = "echo";
    /** What the issue asks: every server reachable again within this after a node is lost. */
    private static final Duration RECOVERY = Duration.ofSeconds(30);
    /** The relays' connect.wait: how long a client's tunnel waits for its server before "not online". */
    private static final Duration CONNECT_WAIT = Duration.ofSeconds(5);
    /**
     * How long one probe tunnel may take: longer than connect.wait, so that a probe through a relay
     * where its server is not ends with the refusal, counted before the probe gives up.
     */
    private static final Duration PROBE = CONNECT_WAIT.plusSeconds(3);
    /** Until every server is reachable at first, the proxies just started (no requirement, a bound against hangs). */
    private static final Duration FIRST_REACH = Duration.ofSeconds(120);
    /** The relays' shutdown.grace: how long open tunnels may go on once a relay begins to stop. */
    private static final Duration GRACE = Duration.ofSeconds(6);
    /** What a relay logs when its drain begins (RelayLifecycle). */
    private static final String DRAIN_LINE = "ptth relay stopping:";
    /** Between two round trips of a long-lived tunnel: traffic all the time, without saturating two cores. */
    private static final long PACE_MILLIS = 100;
    /** The proxies' --renew-after: short, so that they follow a returning relay well within RECOVERY. */
    private static final int RENEW_AFTER_SECONDS = 8;
    /** Many small JVMs on a shared machine: a small heap and the quick compiler only. */
    private static final List<String> PROXY_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xmx64m", "-Xss512k");
    private static final String FRONTS_PROPERTY = "ptth.e2e.fronts";
    /**
     * The Tomcats' bindOnInit: false as docs/scale-out.md advises for a cluster (a stopping relay
     * closes its listening socket at once); true, Tomcat's default, to measure the difference.
     */
    private static final String BIND_ON_INIT_PROPERTY = "ptth.e2e.bindOnInit";

    @Parameter
    Front front;

    private final AutoCloseables started = new AutoCloseables();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        final Thread t = new Thread(r, "scale-out-test");
        t.setDaemon(true);
        return t;
    });
    private final List<StandaloneTomcat> nodes = new ArrayList<>();
    private final Map<String, Integer> clientPorts = new TreeMap<>();
    private final Map<String, EchoStream> streams = new TreeMap<>();
    private String metricsKey;
    /** The bytes checked through long-lived tunnels that ended before the last ones (cut, or replaced). */
    private long endedStreamBytes;
    private TcpTestServer echo;
    private ReverseProxy reverseProxy;

    @Test
    void serversSpreadOverTheRelaysSurviveTheLossOfOneAndFollowItsReturn() throws Exception {
        final String only = System.getProperty(FRONTS_PROPERTY, "").trim();
        assumeTrue(only.isEmpty() || List.of(only.split(",")).contains(front.name()),
                () -> front.name() + " is not in -D" + FRONTS_PROPERTY + "=" + only);
        try {
            startEverything();

            // (a) every server reachable, spread over the relays
            // forty proxy JVMs that have just started on a shared machine: a bound against hangs only
            final Duration firstReach = awaitAllReachable(List.copyOf(clientPorts.keySet()), FIRST_REACH);
            System.out.println(front + ": every server reachable " + firstReach.toMillis() + " ms after the proxies started");
            clientPorts.keySet().forEach(this::startStream);
            final Map<String, Integer> placement = awaitPlacement(allNodes());
            final Map<Integer, List<String>> byNode = byNode(placement);
            System.out.println(front + ": servers per relay " + byNode);
            for (int i = 0; i < NODES; i++) {
                assertFalse(byNode.getOrDefault(i, List.of()).isEmpty(), "relay " + i + " got no server: " + byNode);
            }
            awaitStreamsOnTheirServersNode(placement, allNodes());

            // (b) kill -9 the relay with the most servers
            final int victim = byNode.entrySet().stream().max(Map.Entry.comparingByValue(
                    (a, b) -> Integer.compare(a.size(), b.size()))).orElseThrow().getKey();
            final List<String> lost = byNode.get(victim);
            final List<String> kept = clientPorts.keySet().stream().filter(s -> !lost.contains(s)).toList();
            final Map<String, Long> keptTrips = new TreeMap<>();
            kept.forEach(s -> keptTrips.put(s, streams.get(s).roundTrips.get()));
            final long killed = System.nanoTime();
            nodes.get(victim).kill();
            System.out.println(front + ": killed relay " + victim + " (" + lost.size() + " servers: " + lost + ")");

            long lastReset = 0;
            for (final String server : lost) {
                final EchoStream stream = streams.get(server);
                final Throwable ended = stream.awaitFailure(RECOVERY);
                assertTrue(ended instanceof SocketException, () -> server + ": its tunnel on the dead relay ended"
                        + " otherwise than with a reset: " + ended);
                lastReset = Math.max(lastReset, stream.failedAt - killed);
            }
            System.out.println(front + ": every tunnel on the dead relay reset within "
                    + TimeUnit.NANOSECONDS.toMillis(lastReset) + " ms of the kill");

            final Duration back = awaitAllReachable(List.copyOf(clientPorts.keySet()), RECOVERY);
            System.out.println(front + ": every server reachable again " + TimeUnit.NANOSECONDS.toMillis(
                    System.nanoTime() - killed) + " ms after the kill (last probe round " + back.toMillis() + " ms)");
            for (final String server : kept) {
                final EchoStream stream = streams.get(server);
                Waits.until(server + "'s tunnel to carry more round trips after the kill", RECOVERY,
                        () -> stream.failure != null || stream.roundTrips.get() > keptTrips.get(server) + 3, null);
                assertNull(stream.failure, () -> server + ": a tunnel on a relay that lived failed: " + stream.failure);
            }
            final List<Integer> living = allNodes().stream().filter(i -> i != victim).toList();
            final Map<String, Integer> after = awaitPlacement(living);
            for (final String server : kept) {
                assertEquals(placement.get(server), after.get(server), server + " moved, but its relay lived");
            }
            assertTrue(echo.errors().size() >= lost.size(), () -> "the TCP server saw " + echo.errors().size()
                    + " connections fail, fewer than the " + lost.size() + " tunnels cut: " + echo.errors());

            // (c) the dead relay starts again: its servers come back to it, their clients with them
            lost.forEach(this::startStream);
            final Map<String, Long> tripsBefore = new TreeMap<>();
            streams.forEach((s, stream) -> tripsBefore.put(s, stream.roundTrips.get()));
            nodes.get(victim).start();
            final long returned = System.nanoTime();
            System.out.println(front + ": relay " + victim + " answers again");
            awaitPlacementEquals(placement, RECOVERY);
            final Duration settled = awaitAllReachable(List.copyOf(clientPorts.keySet()), RECOVERY);
            System.out.println(front + ": every server back on its relay and reachable " + TimeUnit.NANOSECONDS.toMillis(
                    System.nanoTime() - returned) + " ms after the relay answered again (last probe round "
                    + settled.toMillis() + " ms)");
            // from now on no client waits where its server is not: a new tunnel through each, and
            // no tunnel refused as not online on any relay within a connect.wait after them
            final double refusedBefore = notOnline();
            awaitAllReachable(List.copyOf(clientPorts.keySet()), PROBE);
            // a tunnel waiting where its server is not would be refused within connect.wait: watch that long
            Waits.sleep(CONNECT_WAIT.toMillis() + 1_000);
            assertEquals(refusedBefore, notOnline(), "tunnels refused as not online after the servers settled");
            assertEquals(placement, awaitPlacement(allNodes()), "a server moved after it settled");
            for (final Map.Entry<String, EchoStream> entry : streams.entrySet()) {
                final EchoStream stream = entry.getValue();
                assertNull(stream.failure, () -> entry.getKey() + ": a long-lived tunnel failed while its relay"
                        + " came back: " + stream.failure);
                assertTrue(stream.roundTrips.get() > tripsBefore.get(entry.getKey()),
                        () -> entry.getKey() + ": no round trip since the relay came back");
            }

            // (d) a rolling restart: each relay in turn stops normally (SIGTERM) and starts again; first
            // every long-lived tunnel anew, on its server's relay (those opened during the outage are not)
            for (final EchoStream stream : List.copyOf(streams.values())) {
                stream.finish();
            }
            awaitAllReachable(List.copyOf(clientPorts.keySet()), RECOVERY);
            clientPorts.keySet().forEach(this::startStream);
            awaitStreamsOnTheirServersNode(placement, allNodes());
            for (int i = 0; i < NODES; i++) {
                restartDraining(i, placement);
            }

            stopStreams();
        } finally {
            pool.shutdownNow();
            streams.values().forEach(EchoStream::abandon);
            started.closeAll();
        }
    }

    // ---- rolling restart

    /**
     * Stops relay {@code node} as Tomcat stops normally and starts it again: a short tunnel of each of
     * its servers, open before the stop, finishes during the drain with every byte and a clean end;
     * the long-lived tunnels on it go on during the drain and are cut with a reset once the grace is
     * over; every server is reachable meanwhile through the other relays; the tunnels on the other
     * relays are untouched; and once it is back its servers return to it.
     */
    private void restartDraining(final int node, final Map<String, Integer> placement) throws Exception {
        final StandaloneTomcat tomcat = nodes.get(node);
        final List<String> mine = placement.entrySet().stream().filter(e -> e.getValue() == node)
                .map(Map.Entry::getKey).toList();
        final List<String> others = clientPorts.keySet().stream().filter(s -> !mine.contains(s)).toList();
        final Map<String, TunnelClient> finishing = new TreeMap<>();
        for (final String server : mine) {
            final TunnelClient tunnel = TunnelClient.echo(clientPorts.get(server), server + "-finishing");
            finishing.put(server, tunnel);
            tunnel.roundTrip("open before the stop");
        }
        awaitTunnelsOnTheirServersNode(placement, mine.stream().collect(Collectors.toMap(s -> s, s -> 2)));
        final Map<String, Long> tripsBefore = new TreeMap<>();
        streams.forEach((s, stream) -> tripsBefore.put(s, stream.roundTrips.get()));

        final long mark = tomcat.consoleMark();
        final Future<?> stopping = pool.submit(tomcat::stop);
        Waits.until("relay " + node + " to begin its drain", RECOVERY,
                () -> tomcat.occurrencesSince(mark, DRAIN_LINE) > 0, () -> tomcat.consoleTail(20));
        final long drainBegan = System.nanoTime();
        System.out.println(front + ": relay " + node + " drains (" + mine.size() + " servers: " + mine + ")");

        // the tunnels that end within the grace: more bytes both ways, then a half-close answered by the echo's
        for (final Map.Entry<String, TunnelClient> entry : finishing.entrySet()) {
            entry.getValue().roundTrip("the last words, during the drain");
            entry.getValue().endAndExpectEnd();
            entry.getValue().close();
        }
        final long finished = System.nanoTime();
        // the long-lived ones of that relay still carry bytes during the drain
        for (final String server : mine) {
            final EchoStream stream = streams.get(server);
            final long seen = stream.roundTrips.get();
            Waits.until(server + "'s long-lived tunnel to carry bytes during the drain", RECOVERY,
                    () -> stream.failure != null || stream.roundTrips.get() > seen, null);
            assertNull(stream.failure, () -> server + ": its long-lived tunnel was cut before its short tunnel had"
                    + " finished, within the grace: " + stream.failure);
        }
        System.out.println(front + ": the short tunnels of relay " + node + " finished cleanly "
                + TimeUnit.NANOSECONDS.toMillis(finished - drainBegan) + " ms into the drain");

        // every server reachable, those of the draining relay through another
        final Duration reach = awaitAllReachable(List.copyOf(clientPorts.keySet()), RECOVERY);
        System.out.println(front + ": every server reachable " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime()
                - drainBegan) + " ms after the drain began (last probe round " + reach.toMillis() + " ms)");

        // what is still open when the grace is over is cut: a reset, not a clean end
        long lastCut = 0;
        for (final String server : mine) {
            final EchoStream stream = streams.get(server);
            final Throwable ended = stream.awaitFailure(GRACE.plus(RECOVERY));
            assertTrue(ended instanceof SocketException, () -> server + ": its long-lived tunnel on the stopped relay"
                    + " ended otherwise than with a reset: " + ended);
            lastCut = Math.max(lastCut, stream.failedAt - drainBegan);
        }
        System.out.println(front + ": the long-lived tunnels of relay " + node + " cut with a reset "
                + TimeUnit.NANOSECONDS.toMillis(lastCut) + " ms after the drain began (grace " + GRACE.toSeconds() + " s)");
        stopping.get(60, TimeUnit.SECONDS);
        assertTrue(tomcat.occurrencesSince(mark, "tunnels finished during the grace") > 0,
                () -> "relay " + node + " did not say how its drain ended\n" + tomcat.consoleTail(30));

        for (final String server : others) {
            final EchoStream stream = streams.get(server);
            Waits.until(server + "'s tunnel to carry more round trips after the restart began", RECOVERY,
                    () -> stream.failure != null || stream.roundTrips.get() > tripsBefore.get(server) + 3, null);
            assertNull(stream.failure, () -> server + ": a tunnel on a relay that kept running failed: " + stream.failure);
        }

        tomcat.start();
        final long returned = System.nanoTime();
        awaitPlacementEquals(placement, RECOVERY);
        // a probe works only once the client proxy's connection is where its server's is: then a new
        // long-lived tunnel goes there too
        awaitAllReachable(mine, RECOVERY);
        System.out.println(front + ": relay " + node + " restarted; every server back on its relay and reachable "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - returned) + " ms after it answered again");
        mine.forEach(this::startStream);
        awaitStreamsOnTheirServersNode(placement, allNodes());
    }

    // ---- setting up

    private void startEverything() throws Exception {
        final Path work = TestEnvironment.newWorkDir("ScaleOutIT-" + front.name().toLowerCase(Locale.ROOT));
        final RelayConfig config = RelayConfig.create(work.resolve("relay.properties"));
        metricsKey = randomKey();
        config.set("metrics.key-sha256", sha256Hex(metricsKey));
        config.set("connect.wait", CONNECT_WAIT.toSeconds() + "s");
        config.set("shutdown.grace", GRACE.toSeconds() + "s");
        final Path keys = work.resolve("keys");
        Files.createDirectories(keys);
        for (int i = 0; i < SERVERS; i++) {
            final String name = String.format(Locale.ROOT, "s%02d", i);
            final String serverKey = randomKey();
            final String clientKey = randomKey();
            writeKey(keys.resolve(name + ".server.key"), serverKey);
            writeKey(keys.resolve(name + ".client.key"), clientKey);
            config.set("server." + name + ".key-sha256", sha256Hex(serverKey));
            config.set("client.c" + name + ".key-sha256", sha256Hex(clientKey));
            config.set("client.c" + name + ".allow", name + "/" + PORT);
            clientPorts.put(name, FreePorts.next());
        }

        echo = started.add(TcpTestServer.start("echo", TcpHandlers.dispatch(Map.of('E', TcpHandlers.echo()))));
        final List<Future<StandaloneTomcat>> starting = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            final StandaloneTomcat tomcat = started.add(StandaloneTomcat.builder(TestEnvironment.tomcat10Home(),
                            work.resolve("tomcat-" + i))
                    .war(TestEnvironment.relayWar())
                    .relayConfig(config.file())
                    .hostValve(TestEnvironment.confDir().resolve("remote-ip-valve.xml"))
                    .connectorAttribute("bindOnInit", System.getProperty(BIND_ON_INIT_PROPERTY, "false"))
                    .build());
            nodes.add(tomcat);
            starting.add(pool.submit(tomcat::start));
        }
        for (final Future<StandaloneTomcat> f : starting) {
            f.get(180, TimeUnit.SECONDS);
        }
        final List<String> addresses = nodes.stream().map(t -> "127.0.0.1:" + t.port()).toList();
        final Path frontDir = work.resolve(front.name().toLowerCase(Locale.ROOT));
        reverseProxy = started.add(switch (front) {
            case HAPROXY -> ReverseProxy.haproxy("cluster-haproxy", frontDir,
                    ReverseProxy.clusterSnippet("haproxy-ptth-relay-cluster.cfg", addresses));
            case NGINX -> {
                final String[] parts = ReverseProxy.nginxParts(
                        ReverseProxy.clusterSnippet("nginx-ptth-relay-cluster.conf", addresses));
                yield ReverseProxy.nginx("cluster-nginx", frontDir, parts[0], parts[1], null);
            }
        });
        System.out.println(front + ": " + reverseProxy + ", relays " + addresses);

        final URI relay = reverseProxy.relayBase("ptth-relay");
        final Path logs = work.resolve("proxies");
        final List<Future<ProxyProcess>> proxies = new ArrayList<>();
        for (final Map.Entry<String, Integer> entry : clientPorts.entrySet()) {
            final String name = entry.getKey();
            proxies.add(pool.submit(() -> started.add(ProxyProcess.start("server-" + name,
                    TestEnvironment.proxyJar(), logs, PROXY_JVM, List.of("server", "--relay", relay.toString(),
                            "--key-file", keys.resolve(name + ".server.key").toString(), "--name", name,
                            "--expose", PORT + "=" + echo.address(),
                            "--renew-after", Integer.toString(RENEW_AFTER_SECONDS))))));
            proxies.add(pool.submit(() -> {
                final ProxyProcess client = started.add(ProxyProcess.start("client-" + name,
                        TestEnvironment.proxyJar(), logs, PROXY_JVM, List.of("client", "--relay", relay.toString(),
                                "--key-file", keys.resolve(name + ".client.key").toString(), "--server", name,
                                "--port", PORT, "--listen", "127.0.0.1:" + entry.getValue(),
                                "--renew-after", Integer.toString(RENEW_AFTER_SECONDS))));
                client.awaitListening(entry.getValue());
                return client;
            }));
        }
        for (final Future<ProxyProcess> f : proxies) {
            f.get(180, TimeUnit.SECONDS);
        }
    }

    private static String randomKey() {
        final byte[] bits = new byte[32];
        new SecureRandom().nextBytes(bits);
        return HexFormat.of().formatHex(bits);
    }

    private static String sha256Hex(final String key) {
        return HexFormat.of().formatHex(Transfer.sha256(key.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A key file as keygen writes it: the key on one line, readable by its owner only. */
    private static void writeKey(final Path file, final String key) throws IOException {
        Files.writeString(file, key + "\n", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    private List<Integer> allNodes() {
        final List<Integer> all = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            all.add(i);
        }
        return all;
    }

    // ---- what the relays say

    /** Each relay's samples, for the relays listed. */
    private Map<Integer, Map<String, Map<Map<String, String>, Double>>> scrape(final List<Integer> which) {
        final Map<Integer, Map<String, Map<Map<String, String>, Double>>> all = new TreeMap<>();
        for (final int i : which) {
            try {
                final Prometheus.Scrape s = Prometheus.scrape(nodes.get(i).relayBase(), metricsKey);
                assertEquals(200, s.status(), () -> "relay " + i + "'s /metrics: " + s.body());
                all.put(i, Prometheus.samples(s.body()));
            } catch (final IOException e) {
                throw new AssertionError("relay " + i + "'s /metrics failed", e);
            }
        }
        return all;
    }

    /**
     * Waits until every server is online on exactly one of the relays listed (ptth_relay_server_online)
     * and returns which.
     */
    private Map<String, Integer> awaitPlacement(final List<Integer> which) {
        final Map<String, Integer> placement = new TreeMap<>();
        final String[] problem = {""};
        Waits.until("every server online on exactly one relay of " + which, RECOVERY, () -> {
            placement.clear();
            final Map<Integer, Map<String, Map<Map<String, String>, Double>>> all = scrape(which);
            final List<String> wrong = new ArrayList<>();
            for (final String server : clientPorts.keySet()) {
                final List<Integer> on = which.stream().filter(i -> Prometheus.value(all.get(i),
                        "ptth_relay_server_online", "server", server) == 1.0).toList();
                if (on.size() == 1) {
                    placement.put(server, on.get(0));
                } else {
                    wrong.add(server + " on " + on);
                }
            }
            problem[0] = String.join(", ", wrong);
            return wrong.isEmpty();
        }, () -> problem[0]);
        return placement;
    }

    /** Waits until every server is online where {@code expected} says, and on no other relay. */
    private void awaitPlacementEquals(final Map<String, Integer> expected, final Duration within) {
        final Map<String, Integer> seen = new TreeMap<>();
        Waits.until("every server back on the relay it had at first", within, () -> {
            seen.clear();
            final Map<Integer, Map<String, Map<Map<String, String>, Double>>> all = scrape(allNodes());
            for (final String server : clientPorts.keySet()) {
                final List<Integer> on = allNodes().stream().filter(i -> Prometheus.value(all.get(i),
                        "ptth_relay_server_online", "server", server) == 1.0).toList();
                seen.put(server, on.size() == 1 ? on.get(0) : -on.size());
            }
            return seen.equals(expected);
        }, () -> "expected " + expected + "\nseen     " + seen + " (negative: online on that many relays)");
    }

    /** Tunnels refused because their server was not online, on every relay together. */
    private double notOnline() {
        return scrape(allNodes()).values().stream()
                .mapToDouble(m -> Prometheus.sum(m, "ptth_relay_tunnels_refused_total", "reason", "not_online")).sum();
    }

    private static Map<Integer, List<String>> byNode(final Map<String, Integer> placement) {
        return placement.entrySet().stream().collect(Collectors.groupingBy(Map.Entry::getValue, TreeMap::new,
                Collectors.mapping(Map.Entry::getKey, Collectors.toList())));
    }

    /** Each server's long-lived tunnel is open on the relay where that server is, and on no other. */
    private void awaitStreamsOnTheirServersNode(final Map<String, Integer> placement, final List<Integer> which) {
        awaitTunnelsOnNodes(placement, which, Map.of());
    }

    /** As many tunnels of each server listed as said are open on that server's relay, none on the others. */
    private void awaitTunnelsOnTheirServersNode(final Map<String, Integer> placement, final Map<String, Integer> counts) {
        awaitTunnelsOnNodes(placement, allNodes(), counts);
    }

    /** At least {@code counts} (1 for a server not listed) tunnels of each server on its relay, none on others. */
    private void awaitTunnelsOnNodes(final Map<String, Integer> placement, final List<Integer> which,
                                     final Map<String, Integer> counts) {
        final String[] problem = {""};
        Waits.until("each server's tunnels open on its server's relay", RECOVERY, () -> {
            final Map<Integer, Map<String, Map<Map<String, String>, Double>>> all = scrape(which);
            final List<String> wrong = new ArrayList<>();
            for (final String server : clientPorts.keySet()) {
                final int least = counts.getOrDefault(server, 1);
                for (final int i : which) {
                    final double open = Prometheus.sum(all.get(i), "ptth_relay_tunnels_open", "server", server);
                    if (i == placement.get(server) ? open < least : open > 0) {
                        wrong.add(server + ": " + (int) open + " on relay " + i);
                    }
                }
            }
            problem[0] = String.join(", ", wrong);
            return wrong.isEmpty();
        }, () -> problem[0]);
    }

    // ---- probes and long-lived tunnels

    /**
     * Waits until a new echo tunnel works through the client proxy of each server listed, probing all
     * at once; fails after {@code within}. Returns how long it took.
     */
    private Duration awaitAllReachable(final List<String> servers, final Duration within) throws Exception {
        final long start = System.nanoTime();
        final long deadline = start + within.toNanos();
        final List<Future<Boolean>> probes = new ArrayList<>();
        for (final String server : servers) {
            probes.add(pool.submit((Callable<Boolean>) () -> {
                while (System.nanoTime() < deadline) {
                    if (TunnelClient.echoWorks(clientPorts.get(server), server, PROBE)) {
                        return true;
                    }
                    Thread.sleep(200);
                }
                return false;
            }));
        }
        final List<String> unreachable = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            if (!probes.get(i).get(within.toSeconds() + 30, TimeUnit.SECONDS)) {
                unreachable.add(servers.get(i));
            }
        }
        assertTrue(unreachable.isEmpty(), () -> "not reachable within " + within.toSeconds() + " s: " + unreachable
                + "\n" + reverseProxy.logTail(20));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private void startStream(final String server) {
        final EchoStream before = streams.get(server);
        if (before != null) {
            endedStreamBytes += before.bytes.get();
        }
        try {
            final EchoStream stream = new EchoStream(server, TunnelClient.echo(clientPorts.get(server), server));
            streams.put(server, stream);
            stream.thread = new Thread(stream, "stream-" + server);
            stream.thread.setDaemon(true);
            stream.thread.start();
        } catch (final IOException e) {
            throw new AssertionError(server + ": cannot open a long-lived tunnel", e);
        }
    }

    /** Ends every long-lived tunnel that still works with a half-close, and checks the echo's end. */
    private void stopStreams() throws Exception {
        long bytes = endedStreamBytes;
        for (final EchoStream stream : streams.values()) {
            bytes += stream.bytes.get();
            if (stream.failure == null) {
                stream.finish();
            }
        }
        System.out.println(front + ": " + bytes + " bytes echoed through the long-lived tunnels, every one checked");
    }

    /**
     * One long-lived tunnel through a client proxy to the echo, carrying random pieces of 1 to 16 KiB,
     * each read back and compared, until it is stopped or fails; the failure is kept.
     */
    private static final class EchoStream implements Runnable {
        private final String server;
        private final TunnelClient tunnel;
        private final Random random;
        final AtomicLong roundTrips = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        volatile Throwable failure;
        volatile long failedAt;
        private volatile boolean stopping;
        Thread thread;

        EchoStream(final String server, final TunnelClient tunnel) {
            this.server = server;
            this.tunnel = tunnel;
            this.random = new Random(server.hashCode());
        }

        @Override
        public void run() {
            try {
                final OutputStream out = tunnel.socket().getOutputStream();
                final InputStream in = tunnel.socket().getInputStream();
                while (!stopping) {
                    final byte[] sent = new byte[1 + random.nextInt(16 * 1024)];
                    random.nextBytes(sent);
                    out.write(sent);
                    out.flush();
                    final byte[] back = in.readNBytes(sent.length);
                    if (back.length < sent.length) {
                        throw new IOException("end of stream after " + back.length + " of " + sent.length + " bytes");
                    }
                    if (!Arrays.equals(sent, back)) {
                        throw new AssertionError(server + ": the echo differs from what was sent");
                    }
                    roundTrips.incrementAndGet();
                    bytes.addAndGet(sent.length);
                    Thread.sleep(PACE_MILLIS);
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (final IOException | AssertionError e) {
                if (!stopping) {
                    failedAt = System.nanoTime();
                    failure = e;
                }
            }
        }

        Throwable awaitFailure(final Duration within) throws InterruptedException {
            thread.join(within.toMillis());
            if (thread.isAlive()) {
                throw new AssertionError(server + ": its tunnel still works " + within.toSeconds()
                        + " s after its relay died (" + roundTrips.get() + " round trips)");
            }
            return failure;
        }

        /** Stops the traffic, then half-closes: the echo must end too, cleanly. */
        void finish() throws Exception {
            stopping = true;
            thread.join(30_000);
            assertFalse(thread.isAlive(), server + ": the traffic thread did not stop");
            assertNull(failure, () -> server + ": " + failure);
            tunnel.endAndExpectEnd();
            tunnel.close();
        }

        void abandon() {
            stopping = true;
            try {
                tunnel.close();
            } catch (final IOException e) {
                // already gone
            }
        }
    }
}
