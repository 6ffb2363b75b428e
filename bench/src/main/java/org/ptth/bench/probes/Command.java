package org.ptth.bench.probes;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a program to its end, bounded in time, and gives its output (stdout and stderr together). */
public final class Command {

    /** What a finished program printed, and its exit status. */
    public record Outcome(int status, String output) {
    }

    private Command() {
    }

    /** Runs {@code command}; fails when it exits non-zero or outlives {@code timeoutSeconds}. */
    public static String run(final List<String> command, final int timeoutSeconds) throws IOException {
        final Outcome o = outcome(command, Map.of(), timeoutSeconds);
        if (o.status() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + o.status() + ": " + tail(o.output()));
        }
        return o.output();
    }

    /** Runs {@code command} with more environment variables; the exit status is the caller's to judge. */
    public static Outcome outcome(final List<String> command, final Map<String, String> env, final int timeoutSeconds)
            throws IOException {
        final Path output = Files.createTempFile("ptth-bench-", ".out");
        try {
            final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(new File("/dev/null"));
            pb.environment().putAll(env);
            final Process p = pb.start();
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", command) + " did not end in " + timeoutSeconds + " s");
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted", e);
            }
            return new Outcome(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** The last 400 characters of {@code text} on one line, for an error message. */
    public static String tail(final String text) {
        final String t = text.strip();
        return t.substring(Math.max(0, t.length() - 400)).replace('\n', ' ');
    }

    /** Whether {@code program} is on the PATH (or is an executable path). */
    public static boolean exists(final String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
