import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** What scripts/bench reads from the processes it measures: the relay's status endpoint, jcmd, /proc, iperf3. */
final class BenchProbes {

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private static final Pattern THREADS = Pattern.compile("(?m)^Threads:\\s+(\\d+)");
    private static final Pattern IPERF_RECEIVED = Pattern.compile(
            "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)");

    private BenchProbes() {
    }

    /** The relay's status (tunnels, parked_polls, threads, heap_used_bytes); {@code gc} runs a GC first. */
    static Map<String, Long> relayStatus(final URI base, final String adminKey, final boolean gc) throws IOException {
        final HttpURLConnection c = (HttpURLConnection) base.resolve(gc ? "status?gc=1" : "status").toURL()
                .openConnection();
        try {
            c.setRequestMethod("POST");
            c.setRequestProperty("Authorization", "Bearer " + adminKey);
            c.setConnectTimeout(5_000);
            c.setReadTimeout(30_000);
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(0);
            c.getOutputStream().close();
            final int status = c.getResponseCode();
            final InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
            final String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
            if (status != 200) {
                throw new IOException("the relay's status endpoint answered " + status + ": " + text.trim());
            }
            final Map<String, Long> values = new HashMap<>();
            text.lines().map(l -> l.split("=", 2)).filter(kv -> kv.length == 2)
                    .forEach(kv -> values.put(kv[0].trim(), Long.parseLong(kv[1].trim())));
            return values;
        } finally {
            c.disconnect();
        }
    }

    /** Heap used after a full GC, in bytes (jcmd GC.run, then GC.heap_info). */
    static long heapAfterGc(final long pid) throws IOException {
        jcmd(pid, "GC.run");
        final Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
        if (!m.find()) {
            throw new IOException("no 'used NK' in jcmd " + pid + " GC.heap_info");
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** Live threads of a process, from /proc/PID/status. */
    static long threads(final long pid) throws IOException {
        final Matcher m = THREADS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
        if (!m.find()) {
            throw new IOException("no Threads: line in /proc/" + pid + "/status");
        }
        return Long.parseLong(m.group(1));
    }

    /** The first {@code lines} lines of jcmd GC.class_histogram (live objects, after a full GC). */
    static String histogram(final long pid, final int lines) throws IOException {
        return jcmd(pid, "GC.class_histogram").lines().limit(lines).collect(Collectors.joining("\n", "", "\n"));
    }

    private static void sleep(final long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static String jcmd(final long pid, final String... command) throws IOException {
        final List<String> args = new java.util.ArrayList<>(List.of("jcmd", Long.toString(pid)));
        args.addAll(List.of(command));
        return run(args, 120);
    }

    /** iperf3 -c to 127.0.0.1:port for {@code seconds} with {@code streams} streams: received bytes per second. */
    static double iperf(final int port, final int seconds, final int streams) throws IOException {
        String json = "";
        // the server takes one test at a time, and notices the end of the last one late through a tunnel
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                json = run(List.of("iperf3", "-c", "127.0.0.1", "-p", Integer.toString(port),
                        "-t", Integer.toString(seconds), "-P", Integer.toString(streams), "-J"), seconds + 60);
            } catch (final IOException e) {
                if (!e.getMessage().contains("busy")) {
                    throw e;
                }
                json = e.getMessage();
            }
            if (!json.contains("server is busy")) {
                break;
            }
            sleep(500);
        }
        final Matcher m = IPERF_RECEIVED.matcher(json);
        if (!m.find()) {
            throw new IOException("iperf3 printed no sum_received: "
                    + json.substring(0, Math.min(400, json.length())).replace('\n', ' '));
        }
        return Double.parseDouble(m.group(1)) / 8;
    }

    private static String run(final List<String> command, final int timeoutSeconds) throws IOException {
        final Path output = Files.createTempFile("bench-", ".out");
        try {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(command + " did not end in " + timeoutSeconds + " s");
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted", e);
            }
            final String text = Files.readString(output, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(command + " exited with " + p.exitValue() + ": "
                        + text.substring(0, Math.min(400, text.length())).replace('\n', ' '));
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
