package org.ptth.bench.probes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What /proc tells about a process: CPU time, threads, open files and their limit; and the machine's thread count. */
public final class ProcStat {

    /** Clock ticks per second of /proc/PID/stat (USER_HZ): 100 on every Linux this runs on. */
    public static final double TICKS_PER_SECOND = 100;
    private static final Pattern THREADS = Pattern.compile("(?m)^Threads:\\s+(\\d+)");
    private static final Pattern OPEN_FILES = Pattern.compile("(?m)^Max open files\\s+(\\d+|unlimited)");

    private ProcStat() {
    }

    /** User plus system CPU time of {@code pid} (all its threads) in seconds. */
    public static double cpuSeconds(final long pid) throws IOException {
        return cpuTicks(read(Path.of("/proc", Long.toString(pid), "stat"))) / TICKS_PER_SECOND;
    }

    /**
     * utime + stime (fields 14 and 15) of a /proc/PID/stat line. The command name (field 2) is in
     * parentheses and may hold spaces and parentheses itself, so the fields are counted after the last ')'.
     */
    static long cpuTicks(final String stat) {
        return field(stat, 14) + field(stat, 15);
    }

    /** When {@code pid} started, in clock ticks since boot (field 22): with the pid, names one process for good. */
    public static long startTicks(final long pid) throws IOException {
        return field(read(Path.of("/proc", Long.toString(pid), "stat")), 22);
    }

    /** Field {@code n} (1-based, as proc(5) counts) of a /proc/PID/stat line, counted after the command name. */
    static long field(final String stat, final int n) {
        final String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(f[n - 3]);
    }

    public static long threads(final long pid) throws IOException {
        final Matcher m = THREADS.matcher(read(Path.of("/proc", Long.toString(pid), "status")));
        if (!m.find()) {
            throw new IOException("no Threads: line in /proc/" + pid + "/status");
        }
        return Long.parseLong(m.group(1));
    }

    public static long openFiles(final long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        }
    }

    /** The soft open-file limit of {@code pid}; Long.MAX_VALUE for unlimited. */
    public static long openFileLimit(final long pid) throws IOException {
        return openFileLimit(read(Path.of("/proc", Long.toString(pid), "limits")));
    }

    static long openFileLimit(final String limits) throws IOException {
        final Matcher m = OPEN_FILES.matcher(limits);
        if (!m.find()) {
            throw new IOException("no 'Max open files' line in limits");
        }
        return m.group(1).equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(m.group(1));
    }

    /** Threads on the whole machine (the 4th field of /proc/loadavg, "running/total"). */
    public static long machineThreads() throws IOException {
        final String[] f = read(Path.of("/proc/loadavg")).trim().split("\\s+");
        return Long.parseLong(f[3].substring(f[3].indexOf('/') + 1));
    }

    /** The kernel's limit on threads and processes together (pid_max). */
    public static long pidMax() throws IOException {
        return Long.parseLong(read(Path.of("/proc/sys/kernel/pid_max")).trim());
    }

    /**
     * A /proc file's text. Files.readString trusts the size the file reports, and some /proc files
     * report 0 and then give a short read (pid_max came back as "3"): read the stream to its end.
     */
    static String read(final Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    public static String loadAverage() {
        try {
            final String[] f = read(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (final IOException | RuntimeException e) {
            return "?";
        }
    }
}
