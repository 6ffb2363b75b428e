package org.ptth.e2e.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs {@code ptth-proxy keygen} and appends what it prints (the config lines of the new key) to the
 * relay config. Key files are written to {@code dir/NAME.server.key} and {@code dir/NAME.client.key}.
 */
public final class Keys {

    private static final Pattern KEY_LINE = Pattern.compile("(?m)^(server|client)\\.[A-Za-z0-9._-]+\\.key-sha256=[0-9a-f]{64}$");

    private final Path jar;
    private final Path dir;
    private final RelayConfig config;

    public Keys(final Path jar, final Path dir, final RelayConfig config) {
        this.jar = jar;
        this.dir = dir;
        this.config = config;
    }

    /** {@code keygen --server NAME --out DIR/NAME.server.key}; returns the key file. */
    public Path server(final String name) throws IOException {
        final Path key = dir.resolve(name + ".server.key");
        keygen(List.of("keygen", "--server", name, "--out", key.toString()), "keygen-server-" + name);
        return key;
    }

    /**
     * {@code keygen --client NAME --allow A,B --out DIR/NAME.client.key}; returns the key file.
     *
     * @param allow {@code SERVER} (every port) or {@code SERVER/PORT}, comma-separated
     */
    public Path client(final String name, final String allow) throws IOException {
        final Path key = dir.resolve(name + ".client.key");
        keygen(List.of("keygen", "--client", name, "--allow", allow, "--out", key.toString()), "keygen-client-" + name);
        return key;
    }

    private void keygen(final List<String> args, final String label) throws IOException {
        Files.createDirectories(dir);
        final List<String> command = new ArrayList<>();
        command.add(TestEnvironment.javaExecutable().toString());
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        final Path out = dir.resolve(label + ".out");
        final Path err = dir.resolve(label + ".err");
        final Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new AssertionError("interrupted", e);
        }
        final String stdout = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 || !KEY_LINE.matcher(stdout).find()) {
            throw new AssertionError(String.join(" ", command) + " exited with " + p.exitValue()
                    + "\nstdout:\n" + stdout + "\nstderr:\n" + Files.readString(err, StandardCharsets.UTF_8));
        }
        config.append(stdout);
    }
}
