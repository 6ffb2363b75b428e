import java.io.IOException;
import java.io.Reader;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The measurements of scripts/bench, run once everything is up. {@code java BenchRun RUN.properties}: the
 * properties file (written by scripts/bench) names the ports, the processes and the output directory.
 * Prints the table, writes results.json and results.png, exits 0 when every figure was measured
 * (targets missed or not), 1 when a measurement failed.
 */
public final class BenchRun {

    private static final double MIB = 1024.0 * 1024.0;

    private final Properties conf;
    private final boolean quick;
    private final Path out;
    private final URI relay;
    private final String adminKey;
    private final long relayPid;
    private final long clientPid;
    private final long serverPid;
    private final boolean iperf;
    private final BenchReport report;
    private final Progress progress = new Progress();

    private BenchRun(final Properties conf) {
        this.conf = conf;
        this.quick = Boolean.parseBoolean(conf.getProperty("quick"));
        this.out = Path.of(conf.getProperty("out.dir"));
        this.relay = URI.create(conf.getProperty("relay.base"));
        this.adminKey = conf.getProperty("admin.key");
        this.relayPid = Long.parseLong(conf.getProperty("relay.pid"));
        this.clientPid = Long.parseLong(conf.getProperty("client.pid"));
        this.serverPid = Long.parseLong(conf.getProperty("server.pid"));
        this.iperf = conf.getProperty("iperf.tunnel.port") != null;
        this.report = new BenchReport(conf);
    }

    public static void main(final String[] args) throws Exception {
        final Properties conf = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(args[0]))) {
            conf.load(in);
        }
        final BenchRun run = new BenchRun(conf);
        final boolean complete = run.runAll();
        System.exit(complete ? 0 : 1);
    }

    private int port(final String path, final String what) {
        return Integer.parseInt(conf.getProperty(what + "." + path + ".port"));
    }

    private static final List<String> PATHS = List.of("direct", "hop", "tunnel");

    private boolean runAll() throws IOException {
        boolean complete = true;
        relayStatus(false);
        complete &= step("warm-up", this::warmUp);
        complete &= step("throughput", this::throughput);
        complete &= step("round-trip time", this::roundTrip);
        complete &= step("tunnel setup", this::setup);
        complete &= step("concurrent tunnels", this::concurrent);
        complete &= step("backpressure", this::backpressure);
        progress.done();
        report.finish(out, complete);
        return complete;
    }

    private interface Step {
        void run() throws Exception;
    }

    private boolean step(final String name, final Step step) {
        try {
            step.run();
            return true;
        } catch (final Exception e) {
            progress.done();
            System.err.println("[bench] " + name + " failed: " + e);
            report.failure(name, e.toString());
            return false;
        }
    }

    private void warmUp() throws IOException {
        final int tunnel = port("tunnel", "echo");
        final double seconds = quick ? 1 : 3;
        progress.show("warm-up: " + seconds + " s of bulk data through the tunnel");
        BenchLoad.sink(tunnel, seconds, 0, 0);
        final int setups = quick ? 50 : 200;
        for (final String path : PATHS) {
            progress.show("warm-up: " + setups + " connections and 1000 pings via " + BenchReport.label(path));
            for (int i = 0; i < setups; i++) {
                BenchLoad.setupOnce(port(path, "echo"));
            }
            BenchLoad.pingPong(port(path, "echo"), 0, 1000);
        }
    }

    private void throughput() throws Exception {
        final int seconds = quick ? 1 : 10;
        final int runs = 3;
        final boolean profile = Boolean.parseBoolean(conf.getProperty("profile"));
        // with iperf3 the bulk data goes through the second client proxy, the one for port "iperf"
        final Map<String, Long> profiled = Map.of("relay", relayPid, "server-proxy", serverPid, "client-proxy",
                Long.parseLong(conf.getProperty("client.iperf.pid", Long.toString(clientPid))));
        if (profile) {
            BenchProfile.start(out, profiled);
        }
        try {
            for (final int streams : new int[] {1, 8}) {
                final double[][] rates = new double[PATHS.size()][runs];
                for (int r = 0; r < runs; r++) {
                    for (int p = 0; p < PATHS.size(); p++) {
                        final String path = PATHS.get(p);
                        progress.show("throughput, " + streams + " stream(s), " + seconds + " s via "
                                + BenchReport.label(path) + " (run " + (r + 1) + "/" + runs + ")");
                        rates[p][r] = iperf ? BenchProbes.iperf(port(path, "iperf"), seconds, streams) / MIB
                                : javaThroughput(port(path, "echo"), seconds, streams) / MIB;
                    }
                }
                report.throughput(streams, median(rates[0]), median(rates[1]), median(rates[2]), rates);
            }
        } finally {
            if (profile) {
                BenchProfile.stop(out, profiled);
            }
        }
    }

    /** Bytes per second of {@code streams} parallel sink connections, every byte checked by count and CRC32C. */
    private static double javaThroughput(final int port, final int seconds, final int streams) throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(streams);
        try {
            final long start = System.nanoTime();
            final List<Future<BenchLoad.SinkResult>> results = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                results.add(pool.submit(() -> BenchLoad.sink(port, seconds, 0, 0)));
            }
            long bytes = 0;
            for (final Future<BenchLoad.SinkResult> f : results) {
                final BenchLoad.SinkResult r = f.get();
                if (!r.intact()) {
                    throw new IOException("a throughput stream arrived altered (count or CRC32C differ)");
                }
                bytes += r.bytes();
            }
            return bytes / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private void roundTrip() throws IOException {
        final int count = quick ? 5_000 : 20_000;
        final double[][] p = new double[PATHS.size()][];
        for (int i = 0; i < PATHS.size(); i++) {
            progress.show("round-trip time: " + count + " pings of 32 bytes via " + BenchReport.label(PATHS.get(i)));
            p[i] = percentiles(BenchLoad.pingPong(port(PATHS.get(i), "echo"), 1_000, count), 1e3);
        }
        report.roundTrip(p[0], p[1], p[2], count);
    }

    private void setup() throws IOException {
        final int count = quick ? 100 : 200;
        // the JIT needs about a thousand setups before the proxies and the relay reach their steady speed
        final int warmup = quick ? 100 : 1000;
        final double[][] p = new double[PATHS.size()][];
        for (int i = 0; i < PATHS.size(); i++) {
            final int port = port(PATHS.get(i), "echo");
            progress.show("tunnel setup: " + count + " sequential connections via " + BenchReport.label(PATHS.get(i)));
            for (int w = 0; w < warmup; w++) {
                BenchLoad.setupOnce(port);
            }
            final long[] nanos = new long[count];
            for (int c = 0; c < count; c++) {
                nanos[c] = BenchLoad.setupOnce(port);
            }
            p[i] = percentiles(nanos, 1e6);
        }
        report.setup(p[0], p[1], p[2], count, warmup);
    }

    private void concurrent() throws Exception {
        final int tunnels = quick ? 100 : 1000;
        final int port = port("tunnel", "echo");
        progress.show("concurrent tunnels: measuring the processes before");
        final Snapshot before = snapshot();
        final Socket[] sockets = new Socket[tunnels];
        final AtomicInteger errors = new AtomicInteger();
        final List<String> firstErrors = new ArrayList<>();
        final ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            final long openStart = System.nanoTime();
            forAll(pool, tunnels, "opening", errors, firstErrors, i -> () -> {
                sockets[i] = BenchLoad.openEcho(port);
                BenchLoad.exchange(sockets[i], 1024, i);
            });
            final double openSeconds = (System.nanoTime() - openStart) / 1e9;
            forAll(pool, tunnels, "exchanging 16 KiB on each (round 1)", errors, firstErrors, i -> () -> {
                if (sockets[i] != null) {
                    BenchLoad.exchange(sockets[i], 16 * 1024, 1_000_000L + i);
                }
            });
            progress.show("concurrent tunnels: " + tunnels + " open, measuring the processes");
            Thread.sleep(1_000);
            final Snapshot held = snapshot();
            for (final Map.Entry<String, Long> e : Map.of("relay", relayPid, "client-proxy", clientPid,
                    "server-proxy", serverPid).entrySet()) {
                Files.writeString(out.resolve(e.getKey() + "-histogram-" + tunnels + "-tunnels.txt"),
                        BenchProbes.histogram(e.getValue(), 40));
                if (Boolean.parseBoolean(conf.getProperty("profile"))) {
                    // the whole heap, to see which arrays a tunnel keeps (the histogram only counts classes)
                    final Path dump = out.resolve(e.getKey() + "-" + tunnels + "-tunnels.hprof");
                    Files.deleteIfExists(dump);
                    BenchProbes.jcmd(e.getValue(), "GC.heap_dump", dump.toString());
                }
            }
            forAll(pool, tunnels, "exchanging 16 KiB on each (round 2)", errors, firstErrors, i -> () -> {
                if (sockets[i] != null) {
                    BenchLoad.exchange(sockets[i], 16 * 1024, 2_000_000L + i);
                }
            });
            forAll(pool, tunnels, "closing", errors, firstErrors, i -> () -> {
                if (sockets[i] != null) {
                    BenchLoad.closeEcho(sockets[i]);
                }
            });
            long left = -1;
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                left = relayStatus(false).get("tunnels");
                if (left <= before.tunnels) {
                    break;
                }
                progress.show("concurrent tunnels: waiting for the relay to end them (" + left + " left)");
                Thread.sleep(250);
            }
            report.concurrent(tunnels, errors.get(), firstErrors, openSeconds, before, held, left);
        } finally {
            pool.shutdownNow();
            for (final Socket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    private interface Task {
        void run() throws Exception;
    }

    private void forAll(final ExecutorService pool, final int n, final String what, final AtomicInteger errors,
                        final List<String> firstErrors, final IntFunction<Task> task) throws Exception {
        final AtomicInteger done = new AtomicInteger();
        final List<Future<?>> futures = new ArrayList<>();
        // past this many errors the rest is skipped: each failing connection would wait for its timeouts
        final int giveUp = Math.max(10, n / 50);
        for (int i = 0; i < n; i++) {
            final Task t = task.apply(i);
            final int index = i;
            futures.add(pool.submit(() -> {
                try {
                    if (errors.get() >= giveUp) {
                        throw new IOException("skipped after " + giveUp + " errors");
                    }
                    t.run();
                } catch (final Exception e) {
                    errors.incrementAndGet();
                    synchronized (firstErrors) {
                        if (firstErrors.size() < 5) {
                            firstErrors.add(what + " #" + index + ": " + e);
                        }
                    }
                }
                done.incrementAndGet();
                return null;
            }));
        }
        for (final Future<?> f : futures) {
            while (!f.isDone()) {
                progress.show("concurrent tunnels: " + what + ", " + done.get() + "/" + n
                        + (errors.get() > 0 ? ", " + errors.get() + " errors" : ""));
                Thread.sleep(200);
            }
            f.get();
        }
    }

    /** Live threads and heap after GC of the relay and both proxies, and the relay's tunnel count. */
    record Snapshot(long tunnels, long relayThreads, long relayHeap, long clientThreads, long clientHeap,
                    long serverThreads, long serverHeap) {
    }

    private Snapshot snapshot() throws IOException {
        final Map<String, Long> status = relayStatus(true);
        return new Snapshot(status.get("tunnels"), status.get("threads"), status.get("heap_used_bytes"),
                BenchProbes.threads(clientPid), BenchProbes.heapAfterGc(clientPid),
                BenchProbes.threads(serverPid), BenchProbes.heapAfterGc(serverPid));
    }

    private void backpressure() throws Exception {
        final long bytes = quick ? 64L << 20 : 1L << 30;
        final double seconds = quick ? 5 : 25;
        final long pace = (long) (bytes / seconds);
        final int port = port("tunnel", "echo");
        // Closed tunnels leave their connections kept alive (and Tomcat's buffers with them) until
        // keepAliveTimeout: wait until the heap after GC has settled, so that decay is not taken for flatness.
        long heapBefore = relayStatus(true).get("heap_used_bytes");
        final long settleDeadline = System.nanoTime() + 45_000_000_000L;
        while (System.nanoTime() - settleDeadline < 0) {
            Thread.sleep(1_000);
            final long now = relayStatus(true).get("heap_used_bytes");
            progress.show(String.format("backpressure: waiting for the relay heap to settle, %.1f MiB", now / MIB));
            final boolean settled = Math.abs(now - heapBefore) < MIB;
            heapBefore = now;
            if (settled) {
                break;
            }
        }
        final List<long[]> samples = new ArrayList<>();
        final long start = System.nanoTime();
        final ExecutorService sender = Executors.newSingleThreadExecutor();
        try {
            final Future<BenchLoad.SinkResult> transfer = sender.submit(() -> BenchLoad.sink(port, 0, bytes, pace));
            while (!transfer.isDone()) {
                final long heap = relayStatus(true).get("heap_used_bytes");
                final long at = System.nanoTime() - start;
                samples.add(new long[] {at / 1_000_000, heap});
                progress.show(String.format("backpressure: %d MiB to a receiver reading %.1f MiB/s, %.0f s,"
                        + " relay heap %.1f MiB", bytes >> 20, pace / MIB, at / 1e9, heap / MIB));
                Thread.sleep(quick ? 250 : 1_000);
            }
            final BenchLoad.SinkResult result = transfer.get();
            report.backpressure(bytes, pace, result, heapBefore, samples);
        } finally {
            sender.shutdownNow();
        }
    }

    private Map<String, Long> relayStatus(final boolean gc) throws IOException {
        return BenchProbes.relayStatus(relay, adminKey, gc);
    }

    static double median(final double[] values) {
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** p50 and p99 (nearest rank) of nanosecond samples, divided by {@code unit}. */
    static double[] percentiles(final long[] nanos, final double unit) {
        final long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new double[] {rank(sorted, 0.50) / unit, rank(sorted, 0.99) / unit};
    }

    private static long rank(final long[] sorted, final double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** One line on stderr that rewrites itself on a terminal, and plain lines elsewhere. */
    static final class Progress {
        private final long start = System.nanoTime();
        private final boolean terminal = System.console() != null;
        private String last = "";
        private long lastPrinted;

        private static String phase(final String text) {
            final int colon = text.indexOf(':');
            final int comma = text.indexOf(',');
            final int end = colon < 0 ? comma : comma < 0 ? colon : Math.min(colon, comma);
            return end < 0 ? text : text.substring(0, end);
        }

        void show(final String text) {
            final long s = (System.nanoTime() - start) / 1_000_000_000L;
            final String line = String.format("[bench %02d:%02d] %s", s / 60, s % 60, text);
            if (terminal) {
                final String shown = line.length() > 118 ? line.substring(0, 118) : line;
                System.err.print("\r" + shown + " ".repeat(Math.max(0, last.length() - shown.length())));
                System.err.flush();
                last = shown;
            } else if (!phase(text).equals(last) || System.nanoTime() - lastPrinted > 5_000_000_000L) {
                System.err.println(line);
                last = phase(text);
                lastPrinted = System.nanoTime();
            }
        }

        void done() {
            if (terminal && !last.isEmpty()) {
                System.err.println();
            }
            last = "";
        }
    }
}
