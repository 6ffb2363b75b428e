package org.ptth.bench.chain;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Every process the bench starts, so that each one is stopped: in reverse order, with SIGTERM, then
 * SIGKILL after a grace period, its own children too. Each pid is also appended to {@code pids}, with
 * its start time, so that scripts/bench can kill what a bench JVM killed with SIGKILL left behind, and
 * nothing else (a pid reused by another process has another start time).
 */
public final class Processes implements AutoCloseable {

    private static final long GRACE_MILLIS = 20_000;

    private final Path logs;
    private final Path pids;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    public Processes(final Path logs, final Path pids) throws IOException {
        this.logs = Files.createDirectories(logs);
        this.pids = pids;
    }

    public Path logs() {
        return logs;
    }

    /** Starts {@code command} with its output in {@code logs/NAME.log} and its input from /dev/null. */
    public Process start(final String name, final List<String> command, final Map<String, String> env,
                         final Path workDir) throws IOException {
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log(name).toFile()).redirectInput(new File("/dev/null"));
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JAVA_OPTS");
        pb.environment().putAll(env);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Files.writeString(logs.resolve(name + ".cmd"), String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        final Process p = pb.start();
        Files.writeString(pids, p.pid() + " " + startTicks(p) + " " + name + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        synchronized (started) {
            started.push(() -> stop(p));
        }
        return p;
    }

    private static long startTicks(final Process p) {
        try {
            return org.ptth.bench.probes.ProcStat.startTicks(p.pid());
        } catch (final IOException | RuntimeException e) {
            return -1; // already gone
        }
    }

    public Path log(final String name) {
        return logs.resolve(name + ".log");
    }

    /** Something else to close with the processes (a front started by the end-to-end harness). */
    public void closeLater(final AutoCloseable closeable) {
        synchronized (started) {
            started.push(closeable);
        }
    }

    /** Stops one process now: SIGTERM to it, SIGKILL to it and its children after the grace period. */
    public static void stop(final Process p) {
        final List<ProcessHandle> children = new ArrayList<>();
        p.descendants().forEach(children::add);
        if (p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** Stops everything started since {@code mark} (a value of {@link #mark()}), newest first. */
    public void closeSince(final int mark) {
        while (true) {
            final AutoCloseable c;
            synchronized (started) {
                if (started.size() <= mark) {
                    return;
                }
                c = started.pop();
            }
            try {
                c.close();
            } catch (final Exception e) {
                System.err.println("[bench] stopping: " + e);
            }
        }
    }

    public int mark() {
        synchronized (started) {
            return started.size();
        }
    }

    @Override
    public void close() {
        closeSince(0);
    }

    /** Free TCP ports of 127.0.0.1 (held together while chosen, so that they differ). */
    public static int[] freePorts(final int count) throws IOException {
        final List<ServerSocket> held = new ArrayList<>();
        try {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                final ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (final ServerSocket s : held) {
                s.close();
            }
        }
    }

    public static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /** Waits until {@code condition} holds, or fails with {@code what} and the tail of {@code log}. */
    public static void await(final String what, final int seconds, final Process process, final Path log,
                             final BooleanSupplier condition) throws IOException {
        final long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (process != null && !process.isAlive()) {
                throw new IOException(what + ": the process exited with " + process.exitValue() + "; " + tail(log));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(what + ": not within " + seconds + " s; " + tail(log));
            }
            try {
                Thread.sleep(100);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** Whether something listens on 127.0.0.1:port, read from the kernel's table (no probe connection). */
    public static boolean listening(final int port) {
        final String hex = String.format(":%04X ", port);
        for (final String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (final String line : Files.readAllLines(Path.of(table))) {
                    final String[] f = line.trim().split("\\s+");
                    // local_address is f[1] (ADDR:PORT), st is f[3]: 0A is LISTEN
                    if (f.length > 3 && (f[1] + " ").endsWith(hex) && f[3].equals("0A")) {
                        return true;
                    }
                }
            } catch (final IOException e) {
                // no such table here
            }
        }
        return false;
    }

    private static String tail(final Path log) {
        try {
            final List<String> lines = Files.readAllLines(log);
            return "last lines of " + log + ":\n  " + String.join("\n  ",
                    lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (final IOException e) {
            return "(no log at " + log + ")";
        }
    }
}
