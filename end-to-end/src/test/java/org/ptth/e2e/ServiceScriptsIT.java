package org.ptth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.ptth.e2e.harness.ExternalTool;
import org.ptth.e2e.harness.FreePorts;
import org.ptth.e2e.harness.TestEnvironment;
import org.ptth.e2e.harness.Waits;

/**
 * The service scripts run for real: scripts/ptth-proxy-cron (the cron wrapper, one proxy per config
 * held by a flock) and scripts/init.d/ptth-proxy (the LSB init script, start-stop-daemon). No relay
 * is needed: the relay URL points at a closed port of 127.0.0.1. A client proxy still listens (it
 * calls the relay only per connection), a server proxy retries the relay forever; both react to
 * signals as they would with a relay. The systemd units are not run here (they need a running
 * systemd); check them with systemd-analyze verify.
 *
 * <p>Every proxy started here has the work directory in its command line (its --config file is
 * there); {@link #killLeftovers()} ends whatever is left of them, since the proxies the scripts
 * start are not children of this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceScriptsIT {

    /** The proxies' grace period here: stop must be done well within grace + 5 s. */
    private static final int GRACE = 2;
    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final Duration SCRIPT = Duration.ofSeconds(40);

    private Path work;
    private Path scripts;
    private Path jar;
    private Path key;
    private String relay;

    @BeforeAll
    void prepare() throws IOException {
        assumeTrue(System.getProperty("os.name", "").toLowerCase().contains("linux"), "Linux only");
        ExternalTool.require("start-stop-daemon", "dpkg");
        ExternalTool.require("flock", "util-linux");
        ExternalTool.require("setsid", "util-linux");
        scripts = scriptsDir();
        work = TestEnvironment.newWorkDir(getClass().getSimpleName());
        // A copy of the jar: a rebuild of proxies-cli/target while a proxy runs would pull classes
        // it has not loaded yet (those of its shutdown) from under it.
        jar = Files.copy(TestEnvironment.proxyJar(), work.resolve("ptth-proxy.jar"));
        key = work.resolve("test.key");
        final byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Files.writeString(key, HexFormat.of().formatHex(random) + "\n", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        relay = "http://127.0.0.1:" + FreePorts.closed() + "/ptth-relay/";
    }

    @AfterAll
    void killLeftovers() {
        if (work == null) {
            return;
        }
        final List<ProcessHandle> left = proxiesWith(work.toString());
        left.forEach(ProcessHandle::destroy);
        for (final ProcessHandle p : left) {
            try {
                p.onExit().get(GRACE + 8, TimeUnit.SECONDS);
            } catch (final Exception notYet) {
                p.destroyForcibly();
            }
        }
    }

    // ---- the cron wrapper ------------------------------------------------------------------------

    @Test
    void cronWrapperKeepsExactlyOneProxyPerConfig() throws Exception {
        final int port = FreePorts.next();
        final Path config = clientConfig("cron-client", port);
        final Path cron = scripts.resolve("ptth-proxy-cron");
        final Map<String, String> env = Map.of(
                "PTTH_RUN_DIR", work.resolve("cron-run").toString(),
                "PTTH_LOG_DIR", work.resolve("cron-log").toString(),
                "PTTH_CRON_SETTLE", "1");

        // Two runs at the same moment, as two cron lines firing together would.
        final Script first = run("cron-1", env, cron.toString(), "client", config.toString());
        final Script second = run("cron-2", env, cron.toString(), "client", config.toString());
        assertEquals(0, first.await().exitCode, first::describe);
        assertEquals(0, second.await().exitCode, second::describe);
        awaitAccepting(port, () -> cronLog("cron-client"));
        final long pid = onlyProxy(config);
        Waits.sleep(1_000); // the loser of the lock must not start one late
        assertEquals(List.of(pid), pids(config), "one proxy per config after two concurrent runs");
        final Path pidFile = only(work.resolve("cron-run"), ".pid");
        assertEquals(Long.toString(pid), Files.readString(pidFile).trim(), "the pid file names the proxy");

        // Already running: exit 0, nothing printed (cron would mail it), nothing started.
        final Script again = run("cron-3", env, cron.toString(), "client", config.toString()).await();
        assertEquals(0, again.exitCode, again::describe);
        assertEquals("", again.output(), "a run that finds the proxy running says nothing");
        assertEquals(List.of(pid), pids(config));

        // The proxy dies (SIGKILL: no clean-up at all); the lock goes with it, and the next run starts one.
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        Waits.until("the killed proxy's port to close", STARTUP, () -> !accepts(port), null);
        Waits.until("the killed proxy to be gone", STARTUP, () -> pids(config).isEmpty(), null);
        final Script restart = run("cron-4", env, cron.toString(), "client", config.toString()).await();
        assertEquals(0, restart.exitCode, restart::describe);
        awaitAccepting(port, () -> cronLog("cron-client"));
        final long newPid = onlyProxy(config);
        assertNotEquals(pid, newPid, "a new proxy");
        Waits.until("the new proxy to be up", STARTUP,
                () -> cronLog("cron-client").split("listening on", -1).length == 3, () -> cronLog("cron-client"));

        // SIGTERM: it exits 0 within its grace period and releases the lock.
        ProcessHandle.of(newPid).ifPresent(ProcessHandle::destroy);
        Waits.until("the proxy to stop on SIGTERM", Duration.ofSeconds(GRACE + 8), () -> pids(config).isEmpty(),
                () -> cronLog("cron-client"));
        assertFalse(accepts(port), "port closed after SIGTERM");
    }

    @Test
    void cronWrapperReportsAProxyThatCannotStart() throws Exception {
        final Path config = work.resolve("cron-broken.properties");
        Files.writeString(config, "relay=" + relay + "\nkey-file=" + key + "\nno-such-option=1\n");
        final Script broken = run("cron-broken", Map.of(
                "PTTH_RUN_DIR", work.resolve("cron-run-broken").toString(),
                "PTTH_LOG_DIR", work.resolve("cron-log-broken").toString(),
                "PTTH_CRON_SETTLE", "10"),
                scripts.resolve("ptth-proxy-cron").toString(), "client", config.toString()).await();
        assertEquals(3, broken.exitCode, "the proxy's exit code for a bad config file\n" + broken.describe());
        assertTrue(broken.output().contains("no-such-option"), "the end of the log is printed for cron to mail\n"
                + broken.describe());
    }

    // ---- the init script -------------------------------------------------------------------------

    @Test
    void initScriptStartsStatusesAndStopsAClientProxy() throws Exception {
        final int port = FreePorts.next();
        final Path config = clientConfig("init-client", port);
        final Map<String, String> env = initEnv("client", config, "init-client");
        final Path pidFile = Path.of(env.get("PTTH_PIDFILE"));

        assertEquals(3, init(env, "status").exitCode, "not running before start");
        final Script start = init(env, "start");
        assertEquals(0, start.exitCode, start::describe);
        assertEquals(0, init(env, "status").exitCode, "running after start");
        awaitAccepting(port, () -> log(env));
        // The port accepts a moment before the proxy traps SIGTERM; "listening on" is logged after.
        Waits.until("the client proxy to be up", STARTUP, () -> log(env).contains("listening on"), () -> log(env));
        final long pid = onlyProxy(config);
        assertEquals(Long.toString(pid), Files.readString(pidFile).trim(), "the pid file names the JVM");

        final Script second = init(env, "start");
        assertEquals(0, second.exitCode, "start of a running proxy succeeds (LSB)\n" + second.describe());
        assertTrue(second.output().contains("already running"), second::describe);
        assertEquals(List.of(pid), pids(config), "a second start starts no second proxy");

        final Script reload = init(env, "reload");
        assertEquals(3, reload.exitCode, "a client has no reload (LSB 3: unimplemented)\n" + reload.describe());
        assertEquals(List.of(pid), pids(config), "a refused reload leaves the client running");

        final long before = System.nanoTime();
        final Script stop = init(env, "stop");
        final Duration took = Duration.ofNanos(System.nanoTime() - before);
        assertEquals(0, stop.exitCode, stop::describe);
        assertTrue(took.compareTo(Duration.ofSeconds(GRACE + 5)) < 0, "stop took " + took);
        assertEquals(3, init(env, "status").exitCode, "not running after stop");
        assertFalse(accepts(port), "port closed after stop");
        assertTrue(pids(config).isEmpty(), "no proxy left");
        assertFalse(Files.exists(pidFile), "pid file removed");
        assertTrue(log(env).contains("stopping (SIGTERM)"), "stopped by SIGTERM, in order\n" + log(env));
        assertEquals(0, init(env, "stop").exitCode, "stop of a stopped proxy succeeds (LSB)");
    }

    @Test
    void initScriptReloadsAServerProxyAndReportsADeadOne() throws Exception {
        final Path config = work.resolve("init-server.properties");
        Files.writeString(config, String.join("\n",
                "relay=" + relay,
                "key-file=" + key,
                "name=office",
                "expose=echo=127.0.0.1:" + FreePorts.closed(),
                "grace=" + GRACE,
                ""));
        final Map<String, String> env = initEnv("server", config, "init-server");
        final Path pidFile = Path.of(env.get("PTTH_PIDFILE"));

        final Script start = init(env, "start");
        assertEquals(0, start.exitCode, start::describe);
        assertEquals(0, init(env, "status").exitCode);
        // "exposing" is logged once its signal handlers are in place: a SIGHUP before would stop it.
        Waits.until("the server proxy to be up", STARTUP, () -> log(env).contains("exposing office/echo"),
                () -> log(env));
        final long pid = onlyProxy(config);

        // The file is not touched, so a "reloaded" line can only come from the SIGHUP.
        assertFalse(log(env).contains("reloaded"), log(env));
        final Script reload = init(env, "reload");
        assertEquals(0, reload.exitCode, reload::describe);
        Waits.until("the server proxy to log its reload", STARTUP,
                () -> log(env).contains("reloaded " + config + ": no change"), () -> log(env));
        assertEquals(List.of(pid), pids(config), "the same proxy runs on after a reload");

        // Killed behind the script's back: status 1 (dead, pid file left) once the process is reaped.
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        Waits.until("status 1 (dead but pid file exists)", STARTUP, () -> init(env, "status").exitCode == 1,
                () -> log(env));
        assertEquals(0, init(env, "stop").exitCode, "stop clears the stale pid file");
        assertFalse(Files.exists(pidFile));
        assertEquals(3, init(env, "status").exitCode);

        // Missing configuration: LSB 6, and nothing started.
        final Map<String, String> missing = initEnv("server", work.resolve("absent.properties"), "init-absent");
        assertEquals(6, init(missing, "start").exitCode, "start without its config file");
        assertEquals(3, init(missing, "status").exitCode);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Settings of the init script, all in the work directory; /etc/default is not read. */
    private Map<String, String> initEnv(final String role, final Path config, final String name) {
        return Map.of(
                "PTTH_DEFAULTS", work.resolve("no-defaults").toString(),
                "PTTH_ROLE", role,
                "PTTH_CONFIG", config.toString(),
                "PTTH_USER", System.getProperty("user.name"),
                "PTTH_PIDFILE", work.resolve("run").resolve(name + ".pid").toString(),
                "PTTH_LOGFILE", work.resolve("log").resolve(name + ".log").toString(),
                "PTTH_PROXY", scripts.resolve("ptth-proxy").toString(),
                "PTTH_START_WAIT", "1");
    }

    private Script init(final Map<String, String> env, final String action) {
        try {
            return run("init-" + action, env, scripts.resolve("init.d").resolve("ptth-proxy").toString(),
                    action).await();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a script with {@code env} added, and the jar copy as PTTH_PROXY_JAR. */
    private Script run(final String label, final Map<String, String> env, final String... command)
            throws IOException {
        final Map<String, String> all = new java.util.HashMap<>(env);
        all.put("PTTH_PROXY_JAR", jar.toString());
        return Script.start(work, label, all, command);
    }

    private static String log(final Map<String, String> env) {
        return read(Path.of(env.get("PTTH_LOGFILE")));
    }

    private String cronLog(final String name) {
        return read(work.resolve("cron-log").resolve("client-" + name + ".log"));
    }

    private Path clientConfig(final String name, final int port) throws IOException {
        final Path config = work.resolve(name + ".properties");
        Files.writeString(config, String.join("\n",
                "relay=" + relay,
                "key-file=" + key,
                "server=office",
                "port=ssh",
                "listen=127.0.0.1:" + port,
                "grace=" + GRACE,
                ""));
        return config;
    }

    /** Proxies (JVMs) whose command line holds {@code text}; zombies have none, so they don't count. */
    private static List<ProcessHandle> proxiesWith(final String text) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(text) && c.contains("-jar")).orElse(false))
                .collect(Collectors.toList());
    }

    private static List<Long> pids(final Path config) {
        return proxiesWith(config.toString()).stream().map(ProcessHandle::pid).sorted().collect(Collectors.toList());
    }

    private long onlyProxy(final Path config) {
        final List<Long> pids = pids(config);
        assertEquals(1, pids.size(), "exactly one proxy for " + config + ": " + pids);
        return pids.get(0);
    }

    private void awaitAccepting(final int port, final java.util.function.Supplier<String> log) {
        Waits.until("a proxy to accept on 127.0.0.1:" + port, STARTUP, () -> accepts(port), log);
    }

    /** Connects and closes: the client proxy accepts, fails to reach the relay, and closes its side. */
    private static boolean accepts(final int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            return true;
        } catch (final IOException e) {
            return false;
        }
    }

    private static Path only(final Path dir, final String suffix) throws IOException {
        try (var files = Files.list(dir)) {
            final List<Path> found = files.filter(f -> f.toString().endsWith(suffix)).collect(Collectors.toList());
            assertEquals(1, found.size(), "one " + suffix + " file in " + dir + ": " + found);
            return found.get(0);
        }
    }

    private static String read(final Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** scripts/ of the repository: next to conf/, which the build passes in. */
    private static Path scriptsDir() {
        final String property = System.getProperty("ptth.e2e.scripts.dir");
        final Path dir = property != null ? Path.of(property)
                : TestEnvironment.confDir().getParent().resolve("scripts");
        assertTrue(Files.isExecutable(dir.resolve("ptth-proxy-cron")), "no scripts/ptth-proxy-cron in " + dir);
        return dir.toAbsolutePath().normalize();
    }

    /**
     * One run of a script, its stdout and stderr in files (never pipes: a daemon that kept a pipe
     * open would make reading it hang). The environment gets the test JVM's Java.
     */
    private static final class Script {

        private static final Pattern SAFE = Pattern.compile("[^A-Za-z0-9._-]");
        private final Process process;
        private final Path out;
        private final Path err;
        private final String command;
        private int exitCode = -1;

        private Script(final Process process, final Path out, final Path err, final String command) {
            this.process = process;
            this.out = out;
            this.err = err;
            this.command = command;
        }

        static Script start(final Path work, final String label, final Map<String, String> env,
                final String... command) throws IOException {
            final Path dir = Files.createDirectories(work.resolve("scripts-output"));
            final String base = SAFE.matcher(label).replaceAll("_") + "-" + System.nanoTime();
            final Path out = dir.resolve(base + ".out");
            final Path err = dir.resolve(base + ".err");
            final ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            pb.environment().put("JAVA_HOME", TestEnvironment.javaHome().toString());
            pb.environment().putAll(env);
            return new Script(pb.start(), out, err, String.join(" ", command));
        }

        Script await() {
            try {
                if (!process.waitFor(SCRIPT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(command + " did not finish in " + SCRIPT.toSeconds() + " s\n" + describe());
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            exitCode = process.exitValue();
            return this;
        }

        String output() {
            return read(out) + read(err);
        }

        String describe() {
            return command + " -> " + exitCode + "\nstdout:\n" + read(out) + "\nstderr:\n" + read(err);
        }
    }

}
