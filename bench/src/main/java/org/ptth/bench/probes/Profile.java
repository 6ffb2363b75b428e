package org.ptth.bench.probes;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * JFR recordings of the relay and the proxies during the throughput runs (scripts/bench --profile), started
 * and stopped with jcmd, and a summary of their execution samples: the top frames (where the CPU is) and
 * the top application frames (the first org.ptth or org.apache frame of each sample, i.e. who asked for it).
 */
public final class Profile {

    private static final int TOP = 15;

    private Profile() {
    }

    public static void start(final Path out, final Map<String, Long> pids) throws IOException {
        for (final Map.Entry<String, Long> e : pids.entrySet()) {
            Jcmd.run(e.getValue(), "JFR.start", "name=bench", "settings=profile",
                    "filename=" + out.resolve(e.getKey() + "-throughput.jfr"));
        }
    }

    public static void stop(final Path out, final Map<String, Long> pids) throws IOException {
        for (final Map.Entry<String, Long> e : pids.entrySet()) {
            Jcmd.run(e.getValue(), "JFR.stop", "name=bench");
        }
        for (final String name : pids.keySet()) {
            final Path jfr = out.resolve(name + "-throughput.jfr");
            final Path txt = out.resolve(name + "-throughput-profile.txt");
            try (PrintStream p = new PrintStream(Files.newOutputStream(txt), true, StandardCharsets.UTF_8)) {
                summarise(jfr, p);
            }
        }
    }

    static void summarise(final Path jfr, final PrintStream p) throws IOException {
        final List<RecordedEvent> events = RecordingFile.readAllEvents(jfr);
        summarise(jfr, events, "jdk.ExecutionSample", "execution samples (threads running Java code)", p);
        summarise(jfr, events, "jdk.NativeMethodSample", "native method samples (threads in native code:"
                + " socket reads and writes, waits)", p);
    }

    private static void summarise(final Path jfr, final List<RecordedEvent> events, final String type,
                                  final String what, final PrintStream p) {
        final Map<String, Integer> top = new HashMap<>();
        final Map<String, Integer> app = new HashMap<>();
        final Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        for (final RecordedEvent e : events) {
            if (!e.getEventType().getName().equals(type)) {
                continue;
            }
            final RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            samples++;
            final List<RecordedFrame> frames = st.getFrames();
            top.merge(name(frames.get(0)), 1, Integer::sum);
            frames.stream().map(Profile::name)
                    .filter(n -> n.startsWith("org.ptth") || n.startsWith("org.apache.hc")
                            || n.startsWith("org.apache.coyote") || n.startsWith("org.apache.tomcat"))
                    .findFirst().ifPresent(n -> app.merge(n, 1, Integer::sum));
            final String thread = e.getThread("sampledThread") == null ? "?"
                    : e.getThread("sampledThread").getJavaName();
            threads.merge(thread == null ? "?" : thread.replaceAll("[0-9]+", "N"), 1, Integer::sum);
        }
        p.println(jfr.getFileName() + ": " + samples + " " + what);
        print(p, "top frames (self)", top, samples);
        print(p, "first org.ptth / HttpClient / Tomcat frame on the stack", app, samples);
        print(p, "threads (digits folded)", threads, samples);
    }

    private static void print(final PrintStream p, final String title, final Map<String, Integer> counts,
                              final int samples) {
        p.println("  " + title + ":");
        for (final Map.Entry<String, Integer> e : counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(TOP)
                .collect(Collectors.toList())) {
            p.printf("    %5.1f %%  %s%n", 100.0 * e.getValue() / Math.max(1, samples), e.getKey());
        }
    }

    private static String name(final RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /** {@code java -cp bench/target/ptth-bench.jar org.ptth.bench.probes.Profile FILE.jfr}: the summary of one recording on stdout. */
    public static void main(final String[] args) throws IOException {
        for (final String a : args) {
            summarise(Path.of(a), System.out);
        }
    }
}
