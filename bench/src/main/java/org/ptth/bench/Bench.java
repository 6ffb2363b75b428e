package org.ptth.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ptth.bench.chain.Forwarders;
import org.ptth.bench.chain.Postgres;
import org.ptth.bench.chain.Processes;
import org.ptth.bench.chain.Ptth;
import org.ptth.bench.chain.RelayTomcat;
import org.ptth.bench.chain.Services;
import org.ptth.bench.chain.SshServer;
import org.ptth.bench.load.Pgbench;
import org.ptth.bench.measure.Backpressure;
import org.ptth.bench.measure.Capacity;
import org.ptth.bench.measure.EchoFigures;
import org.ptth.bench.measure.Fronts;
import org.ptth.bench.measure.Progress;
import org.ptth.bench.measure.Way;
import org.ptth.bench.measure.Workloads;
import org.ptth.bench.probes.Command;
import org.ptth.bench.probes.ProcStat;
import org.ptth.bench.probes.Profile;
import org.ptth.bench.probes.RelayStatus;
import org.ptth.bench.report.Figures;
import org.ptth.bench.report.Report;
import org.ptth.bench.report.Results;
import org.ptth.bench.report.Targets;

/**
 * scripts/bench: the ptth chain against direct, socat and {@code ssh -L}, with the bench's own
 * TCP server and the programs people forward (redis, PostgreSQL, ssh), every process on 127.0.0.1.
 * Prints the table and the targets, writes target/bench/results.{txt,json}; exits 0 when every
 * figure was measured (targets met or not), 1 when a measurement failed, 2 on a bad command line.
 */
public final class Bench {

    private final BenchOptions options;
    private final Path out;
    private final Processes processes;
    private final Results results;
    private final Path launcher;
    private final Path proxyJar;
    private final Path war;
    private final Path benchJar;

    private Bench(final BenchOptions options, final List<String> transports) throws IOException {
        this.options = options;
        this.out = options.root().resolve("target/bench");
        this.processes = new Processes(out.resolve("logs"), out.resolve("pids"));
        this.results = new Results(transports);
        this.launcher = options.root().resolve("scripts/ptth-proxy");
        // Run from copies: a build in this tree while the bench runs must not swap classes under running JVMs.
        this.proxyJar = copy(options.root().resolve("proxies-cli/target/ptth-proxy.jar"));
        this.war = copy(options.root().resolve("relay-war/target/ptth-relay.war"));
        // the jar this runs from (scripts/bench runs a copy): the bench's TCP server runs from it too
        this.benchJar = Path.of(java.net.URI.create(Bench.class.getProtectionDomain().getCodeSource().getLocation()
                .toString()));
    }

    private Path copy(final Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is missing: run scripts/bench without --no-build");
        }
        return Files.copy(file, out.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    public static void main(final String[] args) throws Exception {
        final BenchOptions options;
        try {
            options = BenchOptions.parse(List.of(args));
        } catch (final BenchOptions.UsageException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        final Path launcher = options.root().resolve("scripts/ptth-proxy");
        final Path jar = options.root().resolve("proxies-cli/target/ptth-proxy.jar");
        final List<String> offered = Ptth.transports(launcher, jar);
        final List<String> transports = options.transports().isEmpty() ? offered : options.transports();
        for (final String t : transports) {
            if (!offered.contains(t)) {
                System.err.println("bench: the proxies offer no transport " + t + " (they offer "
                        + String.join(", ", offered) + ")");
                System.exit(2);
            }
        }
        final Path out = options.root().resolve("target/bench");
        Files.createDirectories(out);
        final Bench bench = new Bench(options, transports);
        Runtime.getRuntime().addShutdownHook(new Thread(bench.processes::close, "stop-everything"));
        final boolean complete = bench.run();
        System.exit(complete ? 0 : 1);
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs one measurement; a failure is recorded with its reason and the run goes on. */
    private void step(final String what, final Step step) {
        try {
            step.run();
        } catch (final Exception e) {
            final String message = what + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
            results.failure(message);
            Progress.say("FAILED " + message);
        }
    }

    private boolean run() throws IOException {
        facts();
        Progress.say("output in " + out + "; transports: " + String.join(", ", results.transports()));
        final Map<String, Integer> services = new LinkedHashMap<>();
        services.put(Services.ECHO, Services.target(processes, benchJar));
        SshServer.Running sshd = null;
        if (Command.exists("iperf3")) {
            services.put(Services.IPERF, Services.iperf(processes));
        } else {
            results.skipped("throughput: iperf3 is not installed");
        }
        if (options.runs("workloads")) {
            if (Command.exists("redis-server") && Command.exists("redis-benchmark")) {
                services.put(Services.REDIS, Services.redis(processes, out.resolve("redis")));
            } else {
                results.skipped("redis-benchmark: redis-server or redis-benchmark is not installed"
                        + " (apt-get install redis-server redis-tools)");
            }
            final Path pg = Postgres.binaries();
            if (pg != null && Command.exists("pgbench")) {
                final int port = Postgres.start(processes, pg, out.resolve("postgres/data"));
                Progress.show("pgbench -i -s 10 (direct)");
                Pgbench.init(port, Postgres.USER, Postgres.DATABASE, 10);
                services.put(Services.POSTGRES, port);
            } else {
                results.skipped("pgbench: PostgreSQL or pgbench is not installed (apt-get install postgresql"
                        + " postgresql-contrib)");
            }
        }
        if (Command.exists(SshServer.SSHD) && Command.exists("ssh") && Command.exists("scp")) {
            sshd = SshServer.start(processes, out.resolve("sshd"));
            services.put(Services.SSH, sshd.port());
        } else {
            results.skipped("ssh -L, ssh and scp: sshd, ssh or scp is not installed (apt-get install openssh-server"
                    + " openssh-client)");
        }
        final List<Way> baselines = new ArrayList<>();
        baselines.add(Way.baseline(Results.DIRECT, services));
        if (Command.exists("socat")) {
            baselines.add(Way.baseline(Results.SOCAT, Forwarders.socat(processes, services)));
        } else {
            results.skipped("socat: not installed (apt-get install socat)");
        }
        if (sshd != null) {
            // every service, sshd itself included: ssh and scp through ssh -L run inside the forwarding session
            baselines.add(Way.baseline(Results.SSH, Forwarders.sshL(processes, sshd, services)));
        }
        final EchoFigures echo = new EchoFigures(results, options.quick());
        final Workloads workloads = new Workloads(results, options.quick(), out, sshd == null ? null : sshd.client());
        for (final Way way : baselines) {
            Progress.say("measuring " + way.column());
            measureWay(way, echo, workloads);
        }
        final List<String> servers = new ArrayList<>(List.of("bench", Fronts.serverName("direct")));
        Figures.FRONTS.forEach(f -> servers.add(Fronts.serverName(f)));
        final Map<String, String> settings = new LinkedHashMap<>();
        // as conf/ptth-relay.properties ships it, but for the limits that many tunnels need, and an idle
        // timeout longer than the time it takes to open them all
        settings.put("limit.tunnels-per-client", Integer.toString(Math.max(1024, 2 * options.tunnels())));
        settings.put("limit.tunnels", Integer.toString(Math.max(8192, 2 * options.tunnels())));
        settings.put("idle.timeout", "600s");
        final Ptth.Keys keys = Ptth.keys(launcher, proxyJar, out.resolve("keys"), servers, settings);
        for (final String transport : results.transports()) {
            Progress.say("measuring ptth " + transport);
            final int mark = processes.mark();
            try {
                measureTransport(transport, services, keys, echo, workloads);
            } catch (final IOException | RuntimeException e) {
                results.failure(transport + ": " + e.getMessage());
                Progress.say("FAILED " + transport + ": " + e.getMessage());
            } finally {
                processes.closeSince(mark);
            }
        }
        Targets.judge(results, Targets.issue10(options.tunnels()));
        results.fact("load average at end", ProcStat.loadAverage());
        final String table = Report.table(results);
        Progress.say("done");
        System.out.print("\n" + table);
        Files.writeString(out.resolve("results.txt"), table, StandardCharsets.UTF_8);
        Files.writeString(out.resolve("results.json"), Report.json(results), StandardCharsets.UTF_8);
        System.out.println("\nresults: " + out.resolve("results.txt") + ", " + out.resolve("results.json")
                + "; logs in " + processes.logs());
        return results.failures().isEmpty();
    }

    private void measureWay(final Way way, final EchoFigures echo, final Workloads workloads) {
        final String c = way.column();
        if (options.runs("echo")) {
            step("first connections via " + c, () -> echo.firstConnections(way));
            step("warm-up via " + c, () -> echo.warmUp(way));
            step("setup via " + c, () -> echo.setup(way));
            step("round trip via " + c, () -> echo.roundTrip(way));
            step("throughput via " + c, () -> echo.throughput(way));
        }
        if (options.runs("stalled")) {
            step("stalled neighbours via " + c, () -> echo.stalledNeighbours(way));
        }
        if (options.runs("workloads")) {
            step("redis-benchmark -c 50 via " + c, () -> workloads.redis(way));
            step("redis-benchmark -c 50 -P 16 via " + c, () -> workloads.redisPipelined(way));
            step("pgbench via " + c, () -> workloads.pgbench(way));
            step("ssh and scp via " + c, () -> workloads.ssh(way));
        }
    }

    private void measureTransport(final String transport, final Map<String, Integer> services, final Ptth.Keys keys,
                                  final EchoFigures echo, final Workloads workloads) throws IOException {
        final RelayTomcat tomcat = RelayTomcat.start(processes, "tomcat-" + transport, options.tomcatHome(), war,
                options.root().resolve("conf"), keys.config(), out.resolve("tomcat-" + transport));
        final RelayStatus relay = new RelayStatus(tomcat.base(), keys.adminKey());
        final Ptth ptth = Ptth.start(processes, transport, launcher, proxyJar, tomcat.base(), keys, "bench", transport,
                services);
        final Map<String, Long> clients = new LinkedHashMap<>();
        services.keySet().forEach(s -> clients.put(s, ptth.clientPid(s)));
        final Way way = new Way(transport, ptth.ports(), tomcat.pid(), ptth.serverPid(), clients);
        if (options.profile() && services.containsKey(Services.IPERF)) {
            final Map<String, Long> profiled = Map.of("relay-" + transport, tomcat.pid(), "server-proxy-" + transport,
                    ptth.serverPid(), "client-proxy-" + transport, ptth.clientPid(Services.IPERF));
            Profile.start(out, profiled);
            try {
                measureWay(way, echo, workloads);
            } finally {
                Profile.stop(out, profiled);
            }
        } else {
            measureWay(way, echo, workloads);
        }
        if (options.runs("capacity")) {
            step("concurrent tunnels via " + transport, () -> new Capacity(results, out).run(way, relay,
                    options.tunnels(), tomcat.maxConnections()));
        }
        if (options.runs("backpressure")) {
            step("backpressure via " + transport, () -> new Backpressure(results, options.quick()).run(way, relay));
        }
        if (options.runs("fronts")) {
            System.setProperty("ptth.e2e.conf.dir", options.root().resolve("conf").toString());
            new Fronts(results, options.quick(), processes, launcher, proxyJar, keys, out.resolve("fronts"))
                    .run(transport, tomcat, services.get(Services.ECHO));
        }
    }

    /** What the run was, for the head of the table. */
    private void facts() {
        results.fact("ptth bench", (options.quick() ? "--quick" : "full") + " run, started "
                + OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS) + ", commit " + options.commit());
        results.fact("machine", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, "
                + memory() + ", " + osName() + ", load average at start " + ProcStat.loadAverage());
        results.fact("versions", "OpenJDK " + System.getProperty("java.runtime.version") + ", Tomcat "
                + options.tomcatHome().getFileName().toString().replace("apache-tomcat-", "") + ", "
                + toolVersions());
        results.fact("settings", "Tomcat with conf/tomcat-connector.xml and conf/setenv.sh (default heap), the"
                + " proxies by scripts/ptth-proxy with every option at its default but --transport");
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        } catch (final IOException e) {
            return "?";
        }
    }

    private static String memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> Math.round(Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0) + " GiB")
                    .findFirst().orElse("?");
        } catch (final IOException e) {
            return "?";
        }
    }

    private static String osName() {
        try {
            return Files.readAllLines(Path.of("/etc/os-release")).stream().filter(l -> l.startsWith("PRETTY_NAME="))
                    .map(l -> l.substring(12).replace("\"", "")).findFirst().orElse("?");
        } catch (final IOException e) {
            return "?";
        }
    }

    private static String toolVersions() {
        final List<String> v = new ArrayList<>();
        version(v, "redis", List.of("redis-server", "--version"), "v=([0-9.]+)");
        version(v, "PostgreSQL", List.of("pgbench", "--version"), "([0-9]+\\.[0-9]+)");
        version(v, "OpenSSH", List.of("ssh", "-V"), "OpenSSH_([0-9.p]+)");
        version(v, "socat", List.of("socat", "-V"), "socat version ([0-9.]+)");
        version(v, "iperf3", List.of("iperf3", "--version"), "iperf ([0-9.]+)");
        version(v, "nginx", List.of("nginx", "-v"), "nginx/([0-9.]+)");
        version(v, "Apache httpd", List.of("apache2", "-v"), "Apache/([0-9.]+)");
        version(v, "HAProxy", List.of("haproxy", "-v"), "version ([0-9.]+)");
        return String.join(", ", v);
    }

    private static void version(final List<String> into, final String name, final List<String> command,
                                final String pattern) {
        if (!Command.exists(command.get(0))) {
            return;
        }
        try {
            final java.util.regex.Matcher m = java.util.regex.Pattern.compile(pattern)
                    .matcher(Command.outcome(command, Map.of(), 30).output());
            if (m.find()) {
                into.add(name + " " + m.group(1));
            }
        } catch (final IOException e) {
            // a version we cannot read is left out
        }
    }
}
