import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/** The figures of one scripts/bench run: the table on the terminal, results.json and results.png. */
final class BenchReport {

    /** One measured figure; NaN where a path was not measured; pass null where there is no target. */
    record Figure(String group, String name, String unit, double direct, double hop, double tunnel,
                  boolean higherIsBetter, String target, Boolean pass, String note) {
    }

    private static final double KIB = 1024.0;
    private static final double MIB = 1024.0 * 1024.0;

    private final Properties conf;
    private final String started = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
    private final String loadAtStart = loadAverage();
    final List<Figure> figures = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    final List<long[]> heapSamples = new ArrayList<>();
    long heapLimitForChart;
    private final StringBuilder details = new StringBuilder();

    BenchReport(final Properties conf) {
        this.conf = conf;
    }

    static String label(final String path) {
        return switch (path) {
            case "direct" -> "direct loopback";
            case "hop" -> "single hop";
            default -> "the tunnel";
        };
    }

    String hopKind() {
        return conf.getProperty("hop.kind", "?");
    }

    void failure(final String step, final String message) {
        failures.add(step + ": " + message);
    }

    void throughput(final int streams, final double direct, final double hop, final double tunnel,
                    final double[][] runs) {
        final boolean one = streams == 1;
        figures.add(new Figure("throughput", streams + (one ? " stream" : " streams"), "MiB/s", direct, hop, tunnel,
                true, one ? ">= 0.8 x single hop" : null, one ? tunnel >= 0.8 * hop : null,
                "median of " + runs[0].length));
        json(details, "throughput_runs_" + streams + "_mib_s", "{\"direct\": " + array(runs[0]) + ", \"single_hop\": "
                + array(runs[1]) + ", \"tunnel\": " + array(runs[2]) + "}");
    }

    void roundTrip(final double[] direct, final double[] hop, final double[] tunnel, final int count) {
        figures.add(new Figure("round trip, 32 bytes", "p50", "us", direct[0], hop[0], tunnel[0], false,
                "<= 2.5 x single hop", tunnel[0] <= 2.5 * hop[0], count + " pings"));
        figures.add(new Figure("round trip, 32 bytes", "p99", "us", direct[1], hop[1], tunnel[1], false,
                "< 1000 us", tunnel[1] < 1000, count + " pings"));
    }

    void setup(final double[] direct, final double[] hop, final double[] tunnel, final int count, final int warmup) {
        final String note = count + " sequential connections after " + warmup;
        figures.add(new Figure("setup, connect to first echoed byte", "p50", "ms", direct[0], hop[0], tunnel[0], false,
                "< 2 ms", tunnel[0] < 2, note));
        figures.add(new Figure("setup, connect to first echoed byte", "p99", "ms", direct[1], hop[1], tunnel[1], false,
                "< 10 ms", tunnel[1] < 10, note));
    }

    void concurrent(final int tunnels, final int errors, final List<String> firstErrors, final double openSeconds,
                    final BenchRun.Snapshot before, final BenchRun.Snapshot held, final long left) {
        final String group = tunnels + " concurrent tunnels";
        final double nan = Double.NaN;
        figures.add(new Figure(group, "errors (" + held.tunnels() + " open on the relay)", "", nan, nan, errors,
                false, "0, all open", errors == 0 && held.tunnels() - before.tunnels() >= tunnels,
                String.format(Locale.ROOT, "opened in %.1f s", openSeconds)));
        final long relayThreads = held.relayThreads() - before.relayThreads();
        figures.add(new Figure(group, "relay threads added", "", nan, nan, relayThreads, false,
                "< 0.1 per tunnel", relayThreads < 0.1 * tunnels,
                before.relayThreads() + " -> " + held.relayThreads()));
        figures.add(perTunnel(group, "relay heap per tunnel", before.relayHeap(), held.relayHeap(), tunnels, 128));
        figures.add(perTunnel(group, "client proxy heap per tunnel", before.clientHeap(), held.clientHeap(),
                tunnels, 64));
        figures.add(perTunnel(group, "server proxy heap per tunnel", before.serverHeap(), held.serverHeap(),
                tunnels, 64));
        figures.add(new Figure(group, "client proxy threads per tunnel", "", nan, nan,
                (held.clientThreads() - before.clientThreads()) / (double) tunnels, false, null, null,
                before.clientThreads() + " -> " + held.clientThreads()));
        figures.add(new Figure(group, "server proxy threads per tunnel", "", nan, nan,
                (held.serverThreads() - before.serverThreads()) / (double) tunnels, false, null, null,
                before.serverThreads() + " -> " + held.serverThreads()));
        figures.add(new Figure(group, "relay tunnels left 30 s after closing", "", nan, nan, left - before.tunnels(),
                false, "0", left <= before.tunnels(), "the relay had " + before.tunnels() + " before"));
        json(details, "concurrent_before", snapshotJson(before));
        json(details, "concurrent_held", snapshotJson(held));
        json(details, "concurrent_first_errors", strings(firstErrors));
    }

    private static Figure perTunnel(final String group, final String name, final long before, final long held,
                                    final int tunnels, final int limitKib) {
        final double kib = (held - before) / KIB / tunnels;
        return new Figure(group, name, "KiB", Double.NaN, Double.NaN, kib, false, "<= " + limitKib + " KiB",
                kib <= limitKib, String.format(Locale.ROOT, "%.1f -> %.1f MiB after GC", before / MIB, held / MIB));
    }

    void backpressure(final long bytes, final long pace, final BenchLoad.SinkResult result, final long heapBefore,
                      final List<long[]> samples) {
        final String group = "backpressure, " + (bytes >> 20) + " MiB to a slow reader";
        long min = heapBefore;
        long max = heapBefore;
        for (final long[] s : samples) {
            min = Math.min(min, s[1]);
            max = Math.max(max, s[1]);
        }
        heapSamples.addAll(samples);
        heapLimitForChart = heapBefore;
        final double nan = Double.NaN;
        figures.add(new Figure(group, "bytes arrived, CRC32C equal", "MiB", nan, nan, result.bytes() / MIB, true,
                "all, intact", result.intact(), String.format(Locale.ROOT, "%.1f s at %.1f MiB/s (reader paced to %.1f)",
                        result.nanos() / 1e9, result.bytes() / MIB / (result.nanos() / 1e9), pace / MIB)));
        figures.add(new Figure(group, "relay heap after GC, max - before", "MiB", nan, nan, (max - heapBefore) / MIB,
                false, "flat: <= 16 MiB", max - heapBefore <= 16 * MIB, String.format(Locale.ROOT,
                        "%d samples, min %.1f, max %.1f, before %.1f MiB", samples.size(), min / MIB, max / MIB,
                        heapBefore / MIB)));
    }

    /** Prints the table, writes results.json and results.png into {@code out}. */
    void finish(final Path out, final boolean complete) throws IOException {
        final String table = table();
        System.out.print(table);
        Files.writeString(out.resolve("results.txt"), table, StandardCharsets.UTF_8);
        Files.writeString(out.resolve("results.json"), json(complete), StandardCharsets.UTF_8);
        BenchChart.draw(this, out.resolve("results.png"));
        System.out.println("results: " + out.resolve("results.json") + ", " + out.resolve("results.png")
                + ", " + out.resolve("results.txt"));
    }

    private String table() {
        final StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%nptth bench (%s), %s, %s CPUs, load average at start %s, at end %s%n",
                Boolean.parseBoolean(conf.getProperty("quick")) ? "--quick" : "full", started,
                Runtime.getRuntime().availableProcessors(), loadAtStart, loadAverage()));
        t.append(String.format(Locale.ROOT, "tunnel transport: %s; single hop: %s; throughput: %s%n%n",
                conf.getProperty("proxy.transport", "four-stream"), hopKind(), conf.getProperty("throughput.tool")));
        final String format = "%-44s %10s %10s %10s %8s %8s  %-20s %s%n";
        t.append(String.format(Locale.ROOT, format, "figure", "direct", "1 hop", "tunnel", "/direct", "/hop",
                "target", "result"));
        String group = "";
        for (final Figure f : figures) {
            if (!f.group().equals(group)) {
                group = f.group();
                t.append(group).append('\n');
            }
            final String name = "  " + f.name() + (f.unit().isEmpty() ? "" : " (" + f.unit() + ")");
            t.append(String.format(Locale.ROOT, format, name, num(f.direct()), num(f.hop()), num(f.tunnel()),
                    ratio(f.tunnel(), f.direct()), ratio(f.tunnel(), f.hop()), f.target() == null ? "" : f.target(),
                    f.pass() == null ? "" : f.pass() ? "PASS" : "MISS"));
            if (f.note() != null && !f.note().isEmpty()) {
                t.append(String.format(Locale.ROOT, "      %s%n", f.note()));
            }
        }
        for (final String failure : failures) {
            t.append("FAILED ").append(failure).append('\n');
        }
        final long missed = figures.stream().filter(f -> Boolean.FALSE.equals(f.pass())).count();
        final long passed = figures.stream().filter(f -> Boolean.TRUE.equals(f.pass())).count();
        t.append(String.format(Locale.ROOT, "%ntargets: %d PASS, %d MISS%s%n", passed, missed,
                failures.isEmpty() ? "" : ", " + failures.size() + " measurement(s) FAILED"));
        return t.toString();
    }

    private static String num(final double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        final double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }

    private static String ratio(final double a, final double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "" : String.format(Locale.ROOT, "%.2fx", a / b);
    }

    private String json(final boolean complete) {
        final StringBuilder j = new StringBuilder("{\n");
        json(j, "started", quote(started));
        json(j, "mode", quote(Boolean.parseBoolean(conf.getProperty("quick")) ? "quick" : "full"));
        json(j, "complete", Boolean.toString(complete));
        json(j, "cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        json(j, "load_average_start", quote(loadAtStart));
        json(j, "load_average_end", quote(loadAverage()));
        json(j, "java", quote(System.getProperty("java.runtime.version")));
        json(j, "tomcat", quote(conf.getProperty("tomcat.version", "?")));
        json(j, "single_hop", quote(hopKind()));
        json(j, "throughput_tool", quote(conf.getProperty("throughput.tool", "?")));
        json(j, "relay_setup", quote(conf.getProperty("relay.jvm", "")));
        json(j, "proxy_setup", quote(conf.getProperty("proxy.jvm", "")));
        json(j, "transport", quote(conf.getProperty("proxy.transport", "four-stream")));
        j.append(details);
        j.append("  \"figures\": [\n");
        for (int i = 0; i < figures.size(); i++) {
            final Figure f = figures.get(i);
            j.append("    {\"group\": ").append(quote(f.group())).append(", \"name\": ").append(quote(f.name()))
                    .append(", \"unit\": ").append(quote(f.unit()))
                    .append(", \"direct\": ").append(number(f.direct()))
                    .append(", \"single_hop\": ").append(number(f.hop()))
                    .append(", \"tunnel\": ").append(number(f.tunnel()))
                    .append(", \"target\": ").append(f.target() == null ? "null" : quote(f.target()))
                    .append(", \"result\": ").append(f.pass() == null ? "null" : quote(f.pass() ? "PASS" : "MISS"))
                    .append(", \"note\": ").append(f.note() == null ? "null" : quote(f.note()))
                    .append(i + 1 < figures.size() ? "},\n" : "}\n");
        }
        j.append("  ],\n");
        final List<String> samples = new ArrayList<>();
        for (final long[] s : heapSamples) {
            samples.add("[" + s[0] + ", " + s[1] + "]");
        }
        json(j, "backpressure_relay_heap_samples_ms_bytes", "[" + String.join(", ", samples) + "]");
        j.append("  \"failures\": ").append(strings(failures)).append("\n}\n");
        return j.toString();
    }

    private static void json(final StringBuilder j, final String key, final String value) {
        j.append("  ").append(quote(key)).append(": ").append(value).append(",\n");
    }

    private static String snapshotJson(final BenchRun.Snapshot s) {
        return String.format(Locale.ROOT, "{\"relay_tunnels\": %d, \"relay_threads\": %d, \"relay_heap_bytes\": %d,"
                        + " \"client_proxy_threads\": %d, \"client_proxy_heap_bytes\": %d,"
                        + " \"server_proxy_threads\": %d, \"server_proxy_heap_bytes\": %d}", s.tunnels(),
                s.relayThreads(), s.relayHeap(), s.clientThreads(), s.clientHeap(), s.serverThreads(), s.serverHeap());
    }

    private static String strings(final List<String> values) {
        final List<String> quoted = new ArrayList<>();
        values.forEach(v -> quoted.add(quote(v)));
        return "[" + String.join(", ", quoted) + "]";
    }

    private static String array(final double[] values) {
        final List<String> parts = new ArrayList<>();
        for (final double v : values) {
            parts.add(number(v));
        }
        return "[" + String.join(", ", parts) + "]";
    }

    private static String number(final double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String quote(final String s) {
        final StringBuilder q = new StringBuilder("\"");
        for (final char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                q.append('\\').append(c);
            } else if (c < 0x20) {
                q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                q.append(c);
            }
        }
        return q.append('"').toString();
    }

    private static String loadAverage() {
        try {
            final String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (final IOException | RuntimeException e) {
            return "?";
        }
    }
}
