package org.ptth.e2e.harness;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scrapes {@code GET BASE metrics} as Prometheus does, checks the text with Prometheus's own parser
 * ({@code promtool check metrics}, Debian's prometheus package), and reads its samples.
 */
public final class Prometheus {
    /** Where promtool is, or null. */
    public static final Path PROMTOOL = ExternalTool.find("promtool", "/usr/bin/promtool");
    public static final String PROMTOOL_MISSING = "promtool not found: sudo apt-get install prometheus (Debian's"
            + " package brings Prometheus's own text-format parser, promtool check metrics)";
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One answer of the endpoint. */
    public record Scrape(int status, String contentType, String body) {
    }

    private Prometheus() {
    }

    /** GET with {@code Authorization: Bearer key} (none when key is null). */
    public static Scrape scrape(final URI relayBase, final String key) throws IOException {
        final HttpURLConnection c = (HttpURLConnection) relayBase.resolve("metrics").toURL().openConnection();
        try {
            c.setConnectTimeout(10_000);
            c.setReadTimeout(30_000);
            if (key != null) {
                c.setRequestProperty("Authorization", "Bearer " + key);
            }
            final int status = c.getResponseCode();
            final InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            final String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Scrape(status, c.getContentType(), body);
        } finally {
            c.disconnect();
        }
    }

    /** Runs promtool check metrics on the text; returns what it printed, or fails with it. */
    public static String check(final String text, final Path workDir) throws IOException, InterruptedException {
        final Path input = Files.createTempFile(workDir, "metrics", ".txt");
        Files.writeString(input, text, StandardCharsets.UTF_8);
        final Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
                .redirectInput(input.toFile()).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool did not finish in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("promtool check metrics exited " + p.exitValue() + ":\n" + out + "\n--- input:\n" + text);
        }
        return out;
    }

    /** The samples of the text: name, then labels (sorted) to value. Comments are skipped. */
    public static Map<String, Map<Map<String, String>, Double>> samples(final String text) {
        final Map<String, Map<Map<String, String>, Double>> samples = new LinkedHashMap<>();
        for (final String line : text.lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a sample line: " + line);
            }
            final Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                final Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
                }
            }
            samples.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>()).put(labels, Double.parseDouble(m.group(4)));
        }
        return samples;
    }

    /** The value of one series, 0 when absent; {@code labels} as name, value, name, value... */
    public static double value(final Map<String, Map<Map<String, String>, Double>> samples, final String name,
                               final String... labels) {
        final Map<String, String> wanted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        return samples.getOrDefault(name, Map.of()).getOrDefault(wanted, 0.0);
    }

    /** The sum of a metric's series whose labels include those given. */
    public static double sum(final Map<String, Map<Map<String, String>, Double>> samples, final String name,
                             final String... labels) {
        double sum = 0;
        for (final Map.Entry<Map<String, String>, Double> series : samples.getOrDefault(name, Map.of()).entrySet()) {
            boolean match = true;
            for (int i = 0; i < labels.length; i += 2) {
                match &= labels[i + 1].equals(series.getKey().get(labels[i]));
            }
            sum += match ? series.getValue() : 0;
        }
        return sum;
    }

    /** Every series name of the text, for messages. */
    public static List<String> names(final Map<String, Map<Map<String, String>, Double>> samples) {
        return new ArrayList<>(samples.keySet());
    }
}
