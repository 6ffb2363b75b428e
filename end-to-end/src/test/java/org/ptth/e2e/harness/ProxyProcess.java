package org.ptth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One {@code java -jar ptth-proxy.jar ...} child process, its stderr (where it logs) in {@code LABEL.log}
 * and its stdout in {@code LABEL.out}. {@link #close()} stops it with SIGTERM and then SIGKILL after a
 * grace period; {@link #kill()} is SIGKILL at once (a crashed proxy).
 */
public final class ProxyProcess implements AutoCloseable {

    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final String label;
    private final Process process;
    private final Path log;

    private ProxyProcess(final String label, final Process process, final Path log) {
        this.label = label;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java -jar JAR ARGS...}; logs go to {@code logDir/LABEL.log} (stderr) and {@code .out}. */
    public static ProxyProcess start(final String label, final Path jar, final Path logDir, final List<String> args)
            throws IOException {
        return start(label, jar, logDir, List.of(), args);
    }

    /**
     * {@code java JVMOPTIONS... -jar JAR ARGS...}: options for the JVM itself, e.g. a smaller heap and
     * compiler for tests that start many proxies at once.
     */
    public static ProxyProcess start(final String label, final Path jar, final Path logDir,
            final List<String> jvmOptions, final List<String> args) throws IOException {
        Files.createDirectories(logDir);
        final List<String> command = new ArrayList<>();
        command.add(TestEnvironment.javaExecutable().toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        final Path log = logDir.resolve(label + ".log");
        final ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.redirectError(log.toFile());
        pb.redirectOutput(logDir.resolve(label + ".out").toFile());
        Files.writeString(logDir.resolve(label + ".cmd"), String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        return new ProxyProcess(label, pb.start(), log);
    }

    /**
     * {@code server --relay BASE --key-file FILE --name NAME --expose P=HOST:PORT ... [--heartbeat S]}.
     * It is up once it has started; the relay holds a client's connect until its first listen poll.
     *
     * @param exposes port name to {@code HOST:PORT}
     * @param heartbeatSeconds 0 for the proxy's default
     */
    public static ProxyProcess server(final Path jar, final Path logDir, final URI relay, final Path keyFile,
            final String name, final Map<String, String> exposes, final int heartbeatSeconds) throws IOException {
        return server(jar, logDir, relay, keyFile, name, exposes, heartbeatSeconds, List.of());
    }

    /** {@link #server(Path, Path, URI, Path, String, Map, int)} with more options at the end ({@code --ca-file F}, say). */
    public static ProxyProcess server(final Path jar, final Path logDir, final URI relay, final Path keyFile,
            final String name, final Map<String, String> exposes, final int heartbeatSeconds,
            final List<String> options) throws IOException {
        final List<String> args = new ArrayList<>(List.of("server", "--relay", relay.toString(),
                "--key-file", keyFile.toString(), "--name", name));
        exposes.forEach((port, target) -> {
            args.add("--expose");
            args.add(port + "=" + target);
        });
        if (heartbeatSeconds > 0) {
            args.add("--heartbeat");
            args.add(Integer.toString(heartbeatSeconds));
        }
        args.addAll(options);
        return start("server-proxy-" + name, jar, logDir, args);
    }

    /**
     * {@code client --relay BASE --key-file FILE --server S --port P --listen 127.0.0.1:PORT [--heartbeat S]},
     * returned once it listens on 127.0.0.1:listenPort.
     */
    public static ProxyProcess client(final Path jar, final Path logDir, final URI relay, final Path keyFile,
            final String server, final String portName, final int listenPort, final int heartbeatSeconds)
            throws IOException {
        return client(jar, logDir, relay, keyFile, server, portName, listenPort, heartbeatSeconds, List.of());
    }

    /** {@link #client(Path, Path, URI, Path, String, String, int, int)} with more options at the end. */
    public static ProxyProcess client(final Path jar, final Path logDir, final URI relay, final Path keyFile,
            final String server, final String portName, final int listenPort, final int heartbeatSeconds,
            final List<String> options) throws IOException {
        final List<String> args = new ArrayList<>(List.of("client", "--relay", relay.toString(),
                "--key-file", keyFile.toString(), "--server", server, "--port", portName,
                "--listen", "127.0.0.1:" + listenPort));
        if (heartbeatSeconds > 0) {
            args.add("--heartbeat");
            args.add(Integer.toString(heartbeatSeconds));
        }
        args.addAll(options);
        final ProxyProcess proxy = start("client-proxy-" + server + "-" + portName + "-" + listenPort, jar, logDir,
                args);
        try {
            proxy.awaitListening(listenPort);
        } catch (final RuntimeException | Error e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    /**
     * Waits until something listens on TCP port {@code port} of this machine. It reads the kernel's
     * socket table where there is one, so that no probe connection opens a tunnel; elsewhere it connects.
     */
    public void awaitListening(final int port) {
        Waits.until(label + " to listen on 127.0.0.1:" + port, LISTEN_TIMEOUT, () -> {
            if (!process.isAlive()) {
                throw new AssertionError(label + " exited with status " + process.exitValue()
                        + " before it listened on port " + port + "\n" + logTail(40));
            }
            return isListening(port);
        }, () -> logTail(40));
    }

    static boolean isListening(final int port) {
        final Path tcp = Path.of("/proc/net/tcp");
        if (Files.isReadable(tcp)) {
            return listensIn(tcp, port) || listensIn(Path.of("/proc/net/tcp6"), port);
        }
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            return true;
        } catch (final IOException e) {
            return false;
        }
    }

    /** Lines of /proc/net/tcp: {@code sl local_address rem_address st ...}, addresses as HEXIP:HEXPORT, LISTEN = 0A. */
    private static boolean listensIn(final Path table, final int port) {
        if (!Files.isReadable(table)) {
            return false;
        }
        final String suffix = ":" + String.format(Locale.ROOT, "%04X", port);
        try {
            return Files.readAllLines(table, StandardCharsets.US_ASCII).stream().skip(1)
                    .map(l -> l.trim().split("\\s+"))
                    .anyMatch(f -> f.length > 3 && f[1].endsWith(suffix) && "0A".equals(f[3]));
        } catch (final IOException e) {
            return false;
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String logTail(final int lines) {
        final List<String> all = logText().lines().collect(Collectors.toList());
        return "--- last lines of " + log + " ---\n"
                + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** SIGKILL, at once: the proxy dies without closing anything. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(10));
    }

    /** SIGTERM, then SIGKILL if it has not exited after a grace period. Safe to call more than once. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!awaitExit(STOP_GRACE)) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(10));
        }
    }

    private boolean awaitExit(final Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return label + " (pid " + process.pid() + ", log " + log + ")";
    }
}
