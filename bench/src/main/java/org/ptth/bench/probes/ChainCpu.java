package org.ptth.bench.probes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.ptth.bench.chain.Forwarders;
import org.ptth.bench.chain.Postgres;
import org.ptth.bench.chain.Processes;
import org.ptth.bench.chain.Ptth;
import org.ptth.bench.chain.RelayTomcat;
import org.ptth.bench.chain.Services;
import org.ptth.bench.chain.SshServer;
import org.ptth.bench.load.EchoClient;
import org.ptth.bench.load.Pgbench;
import org.ptth.bench.load.RedisBenchmark;
import org.ptth.bench.measure.Workloads;
import org.ptth.bench.stats.Samples;

/**
 * Where the CPU of the chain goes, process by process and thread by thread: the bench's chain as a
 * user gets it (Tomcat with the shipped connector, the proxies started by scripts/ptth-proxy with
 * {@code --transport auto}, the bench's echo server, redis), fresh for each run, and the CPU time and
 * voluntary context switches of every thread of the relay and the two proxies from
 * {@code /proc/PID/task}, read before and after each measured step and divided by its operations.
 *
 * <pre>
 *   scripts/probes/chain-cpu setup     1,000 sequential echo setups after 1,000, three rounds
 *   scripts/probes/chain-cpu first     the first 300 setups after start, by the hundred
 *   scripts/probes/chain-cpu pgbench   pgbench -c 8 -j 2 -T 10 straight, through ssh -L, twice through ptth
 *   scripts/probes/chain-cpu redis     redis-benchmark -c 50 -n 100000 GET and SET, the same four ways
 *   scripts/probes/chain-cpu fresh     20,000 echo pings to warm the chain, then 4 x 5,000 redis PINGs
 *                                      through a client proxy that had carried nothing
 *   scripts/probes/chain-cpu scp       the bench's scp download of 64 MiB: straight to sshd, through ssh -L,
 *                                      twice through ptth, with the CPU of the rest of the machine
 *   scripts/probes/chain-cpu ssh       the bench's ssh ping-pong through cat (5,000 lines after 200), once
 *                                      through ssh -L, then four sessions in a row through ptth
 * </pre>
 *
 * Threads are grouped by name with the digits taken out (Tomcat's threads, say, are
 * {@code http-nio-#.#.}: the kernel keeps 15 characters of a name).
 */
public final class ChainCpu {

    private static final String[] ROLES = {"relay", "client proxy", "server proxy"};
    private static final List<String> MODES = List.of("setup", "first", "pgbench", "redis", "fresh", "ssh", "scp");

    private final long[] pids = new long[3];

    private ChainCpu() {
    }

    public static void main(final String[] args) throws Exception {
        if (args.length != 3 || !MODES.contains(args[2])) {
            System.err.println("usage: ChainCpu ROOT TOMCAT_HOME " + String.join("|", MODES));
            System.exit(64);
        }
        new ChainCpu().run(Path.of(args[0]), Path.of(args[1]), args[2]);
    }

    private void run(final Path root, final Path tomcatHome, final String mode) throws Exception {
        final Path out = root.resolve("target/chain-cpu");
        final Processes processes = new Processes(out.resolve("logs"), out.resolve("pids"));
        Runtime.getRuntime().addShutdownHook(new Thread(processes::close));
        try {
            final Path launcher = root.resolve("scripts/ptth-proxy");
            final Path proxyJar = root.resolve("proxies-cli/target/ptth-proxy.jar");
            final Map<String, Integer> services = new LinkedHashMap<>();
            services.put(Services.ECHO, Services.target(processes, root.resolve("bench/target/ptth-bench.jar")));
            services.put(Services.REDIS, Services.redis(processes, out.resolve("redis")));
            SshServer.Running sshd = null;
            if (mode.equals("pgbench")) {
                final Path bin = Postgres.binaries();
                if (bin == null) {
                    throw new IOException("PostgreSQL is not installed (apt-get install postgresql)");
                }
                final int pg = Postgres.start(processes, bin, out.resolve("postgres"));
                Pgbench.init(pg, Postgres.USER, Postgres.DATABASE, 10);
                services.put(Services.POSTGRES, pg);
            }
            if (List.of("pgbench", "redis", "ssh", "scp").contains(mode)) {
                sshd = SshServer.start(processes, out.resolve("sshd"));
            }
            if (mode.equals("ssh") || mode.equals("scp")) {
                services.put(Services.SSH, sshd.port());
            }
            final Ptth.Keys keys = Ptth.keys(launcher, proxyJar, out.resolve("keys"), List.of("bench"),
                    Map.of("limit.tunnels-per-client", "4096"));
            final RelayTomcat tomcat = RelayTomcat.start(processes, "tomcat", tomcatHome,
                    root.resolve("relay-war/target/ptth-relay.war"), root.resolve("conf"), keys.config(), out.resolve("tomcat"));
            final Ptth ptth = Ptth.start(processes, "auto", launcher, proxyJar, tomcat.base(), keys, "bench", "auto", services);
            pids[0] = tomcat.pid();
            pids[2] = ptth.serverPid();
            final int echo = ptth.ports().get(Services.ECHO);
            switch (mode) {
                case "setup" -> setups(ptth, echo);
                case "first" -> firstSetups(ptth, echo);
                case "pgbench" -> pgbench(processes, ptth, sshd, services.get(Services.POSTGRES));
                case "redis" -> redis(processes, ptth, sshd, services.get(Services.REDIS));
                case "ssh" -> sshPingPong(processes, ptth, sshd, out);
                case "scp" -> scpDownload(processes, ptth, sshd, out);
                default -> freshClient(ptth, echo);
            }
        } finally {
            processes.close();
        }
    }

    private void setups(final Ptth ptth, final int echo) throws IOException {
        pids[1] = ptth.clientPid(Services.ECHO);
        for (int i = 0; i < 1000; i++) {
            EchoClient.setupOnce(echo);
        }
        for (int round = 1; round <= 3; round++) {
            final Snapshot before = snapshot();
            final long[] nanos = new long[1000];
            for (int i = 0; i < nanos.length; i++) {
                nanos[i] = EchoClient.setupOnce(echo);
            }
            report("setup round " + round + ": " + p50p99(nanos, 1e6, "ms"), before, nanos.length);
        }
    }

    private void firstSetups(final Ptth ptth, final int echo) throws IOException {
        pids[1] = ptth.clientPid(Services.ECHO);
        for (int hundred = 0; hundred < 3; hundred++) {
            final Snapshot before = snapshot();
            final long[] nanos = new long[100];
            for (int i = 0; i < nanos.length; i++) {
                nanos[i] = EchoClient.setupOnce(echo);
            }
            report("setups " + (hundred * 100 + 1) + "-" + (hundred * 100 + 100) + " after start: "
                    + p50p99(nanos, 1e6, "ms"), before, nanos.length);
        }
    }

    private void pgbench(final Processes processes, final Ptth ptth, final SshServer.Running sshd, final int direct)
            throws IOException {
        pids[1] = ptth.clientPid(Services.POSTGRES);
        final int viaSsh = Forwarders.sshL(processes, sshd, Map.of(Services.POSTGRES, direct)).get(Services.POSTGRES);
        throughWays("pgbench", "TPS", "transaction", direct, viaSsh, ptth.ports().get(Services.POSTGRES), port -> {
            final double tps = Pgbench.run(port, Postgres.USER, Postgres.DATABASE, 8, 2, 10);
            return new Outcome(tps, Math.round(tps * 10));
        });
    }

    private void redis(final Processes processes, final Ptth ptth, final SshServer.Running sshd, final int direct)
            throws IOException {
        pids[1] = ptth.clientPid(Services.REDIS);
        final int viaSsh = Forwarders.sshL(processes, sshd, Map.of(Services.REDIS, direct)).get(Services.REDIS);
        final int requests = 100_000;
        throughWays("redis-benchmark -c 50 GET", "req/s", "request", direct, viaSsh, ptth.ports().get(Services.REDIS),
                port -> new Outcome(RedisBenchmark.run(port, 50, 1, requests).get("GET"), 2 * requests));
    }

    /** A load through one way. */
    private interface Load {
        Outcome run(int port) throws IOException;
    }

    /** What a load measured: its rate, and how many operations it made. */
    private record Outcome(double rate, long operations) {
    }

    /**
     * The load straight, through ssh -L (with the CPU of every ssh and sshd process) and twice through
     * ptth, with how busy the machine was: on two cores the load shares them with the path.
     */
    private void throughWays(final String name, final String unit, final String operation, final int direct,
                             final int viaSsh, final int viaPtth, final Load load) throws IOException {
        final String[] ways = {"direct", "ssh -L", "ptth", "ptth again"};
        final int[] ports = {direct, viaSsh, viaPtth, viaPtth};
        for (int i = 0; i < ways.length; i++) {
            final Snapshot before = snapshot();
            final double sshBefore = sshCpuSeconds();
            final long[] machineBefore = machine();
            final Outcome result = load.run(ports[i]);
            final long[] machineAfter = machine();
            final long operations = result.operations();
            final double busy = 100.0 * busyTicks(machineBefore, machineAfter) / (machineAfter[0] - machineBefore[0]);
            String line = String.format("%s %s: %.0f %s, machine %.0f %% busy", name, ways[i], result.rate(), unit, busy);
            if (i == 1) {
                line += String.format(", ssh + sshd %.1f us per %s", (sshCpuSeconds() - sshBefore) * 1e6 / operations,
                        operation);
            }
            report(line, before, operations);
        }
    }

    /**
     * The bench's ssh ping-pong, once through ssh -L and then session after session through the
     * same ptth chain: how far its p99 is the fresh proxies' warm-up.
     */
    private void sshPingPong(final Processes processes, final Ptth ptth, final SshServer.Running sshd, final Path out)
            throws IOException {
        pids[1] = ptth.clientPid(Services.SSH);
        final int viaSsh = Forwarders.sshL(processes, sshd, Map.of(Services.SSH, sshd.port())).get(Services.SSH);
        final int viaPtth = ptth.ports().get(Services.SSH);
        final String[] ways = {"ssh -L", "ptth, session 1", "ptth, session 2", "ptth, session 3", "ptth, session 4"};
        final int warmUp = 200;
        final int measured = 5000;
        final int lines = warmUp + measured;
        for (int i = 0; i < ways.length; i++) {
            final Snapshot before = snapshot();
            final double sshBefore = sshCpuSeconds();
            final long[] nanos = sshd.client().pingPong(i == 0 ? viaSsh : viaPtth, warmUp, measured,
                    out.resolve("ssh-" + i + ".log"));
            final long over = overOneMs(nanos);
            String line = String.format("ssh ping-pong, %s: %s, %d over 1 ms", ways[i], p50p99(nanos, 1e3, "us"), over);
            if (i == 0) {
                // the session's own ssh and sshd have ended by now, their CPU gone with them: what is
                // left is the forwarder's ssh and sshd, which stay
                line += String.format("; the ssh -L forwarder (ssh + sshd) %.0f us per line",
                        (sshCpuSeconds() - sshBefore) * 1e6 / lines);
            }
            report(line, before, lines);
        }
    }

    /**
     * The bench's scp download, per MiB: each of the three processes' CPU, and that of the rest of the
     * machine (scp, ssh and sshd, whose session processes end before they can be read one by one).
     */
    private void scpDownload(final Processes processes, final Ptth ptth, final SshServer.Running sshd, final Path out)
            throws IOException {
        pids[1] = ptth.clientPid(Services.SSH);
        final int viaSsh = Forwarders.sshL(processes, sshd, Map.of(Services.SSH, sshd.port())).get(Services.SSH);
        final int viaPtth = ptth.ports().get(Services.SSH);
        final Path source = Workloads.scpSource(out);
        final int mib = Workloads.SCP_BYTES >> 20;
        final String[] ways = {"direct", "ssh -L", "ptth", "ptth again"};
        final int[] ports = {sshd.port(), viaSsh, viaPtth, viaPtth};
        for (int i = 0; i < ways.length; i++) {
            final Path back = out.resolve("scp-back-" + i + ".bin");
            final Snapshot before = snapshot();
            final long[] machineBefore = machine();
            final double seconds = sshd.client().scp(ports[i], sshd.client().target() + ":" + source, back.toString());
            final long[] machineAfter = machine();
            final Snapshot after = snapshot();
            if (Files.mismatch(source, back) != -1) {
                throw new IOException("the copy through " + ways[i] + " differs from its source");
            }
            double ours = 0;
            for (int p = 0; p < pids.length; p++) {
                ours += after.cpuSeconds()[p] - before.cpuSeconds()[p];
            }
            final double busy = busyTicks(machineBefore, machineAfter) / ProcStat.TICKS_PER_SECOND;
            report(String.format("scp download of %d MiB, %s: %.1f MB/s, the rest of the machine %.1f ms of CPU per MiB",
                    mib, ways[i], Workloads.SCP_BYTES / seconds / 1e6, (busy - ours) * 1e3 / mib), before, after, mib);
        }
    }

    private void freshClient(final Ptth ptth, final int echo) throws IOException {
        pids[1] = ptth.clientPid(Services.ECHO);
        EchoClient.pingPong(echo, 1000, 20000);
        pids[1] = ptth.clientPid(Services.REDIS);
        try (Socket redis = new Socket("127.0.0.1", ptth.ports().get(Services.REDIS))) {
            redis.setTcpNoDelay(true);
            final OutputStream to = redis.getOutputStream();
            final InputStream from = redis.getInputStream();
            final byte[] ping = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
            final byte[] pong = new byte["+PONG\r\n".length()];
            for (int round = 0; round < 4; round++) {
                final Snapshot before = snapshot();
                final long[] nanos = new long[5000];
                for (int i = 0; i < nanos.length; i++) {
                    final long start = System.nanoTime();
                    to.write(ping);
                    EchoClient.readFully(from, pong);
                    nanos[i] = System.nanoTime() - start;
                }
                final long over = overOneMs(nanos);
                report("redis PINGs " + (round * 5000 + 1) + "-" + (round * 5000 + 5000) + " through a fresh client proxy: "
                        + p50p99(nanos, 1e3, "us") + ", " + over + " over 1 ms", before, nanos.length);
            }
        }
    }

    private static String p50p99(final long[] nanos, final double unit, final String name) {
        final double[] p = Samples.p50p99(nanos, unit);
        return String.format("p50 %.3f %s, p99 %.3f %s", p[0], name, p[1], name);
    }

    /**
     * Each process's CPU seconds (its threads that ended included) and, per thread group, CPU ticks,
     * voluntary and involuntary switches.
     */
    private record Snapshot(double[] cpuSeconds, List<Map<String, long[]>> processes) {
    }

    private Snapshot snapshot() throws IOException {
        final double[] cpu = new double[pids.length];
        final List<Map<String, long[]>> all = new ArrayList<>();
        for (int i = 0; i < pids.length; i++) {
            cpu[i] = ProcStat.cpuSeconds(pids[i]);
            all.add(threads(pids[i]));
        }
        return new Snapshot(cpu, all);
    }

    private void report(final String line, final Snapshot before, final long operations) throws IOException {
        report(line, before, snapshot(), operations);
    }

    private void report(final String line, final Snapshot before, final Snapshot after, final long operations) {
        System.out.println(line);
        for (int i = 0; i < pids.length; i++) {
            final StringBuilder text = new StringBuilder();
            for (final Map.Entry<String, long[]> group : after.processes().get(i).entrySet()) {
                final long[] was = before.processes().get(i).getOrDefault(group.getKey(), new long[3]);
                final long[] now = group.getValue();
                final double us = (now[0] - was[0]) * 1e6 / ProcStat.TICKS_PER_SECOND / operations;
                final double voluntary = (now[1] - was[1]) / (double) operations;
                if (us < 0) {
                    // one of the group's threads ended (an idle compiler thread, say), taking its ticks along
                    text.append(String.format("  [%s: a thread ended]", group.getKey()));
                } else if (us >= 1 || voluntary >= 0.05) {
                    text.append(String.format("  [%s %.0f us, %.2f switches]", group.getKey(), us, voluntary));
                }
            }
            final double total = (after.cpuSeconds()[i] - before.cpuSeconds()[i]) * 1e6 / operations;
            System.out.printf("  %s: %.0f us per operation%s%n", ROLES[i], total, text);
        }
    }

    private static Map<String, long[]> threads(final long pid) throws IOException {
        final Map<String, long[]> groups = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (final Path task : tasks) {
                try {
                    final String stat = ProcStat.read(task.resolve("stat"));
                    final long[] group = groups.computeIfAbsent(command(stat).replaceAll("[0-9]+", "#"), n -> new long[3]);
                    group[0] += ProcStat.cpuTicks(stat);
                    for (final String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches")) {
                            group[1] += Long.parseLong(line.split("\\s+")[1]);
                        } else if (line.startsWith("nonvoluntary_ctxt_switches")) {
                            group[2] += Long.parseLong(line.split("\\s+")[1]);
                        }
                    }
                } catch (final IOException | RuntimeException ended) {
                    // a thread that ended between the listing and the read
                }
            }
        }
        return groups;
    }

    /** The command name of a /proc stat line: field 2, in parentheses (it may hold parentheses itself). */
    private static String command(final String stat) {
        return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    }

    /** CPU seconds of every ssh and sshd process of the machine (the ssh -L column's client and server). */
    private static double sshCpuSeconds() throws IOException {
        double seconds = 0;
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (final Path process : all) {
                try {
                    final String stat = ProcStat.read(process.resolve("stat"));
                    if (command(stat).startsWith("ssh")) {
                        seconds += ProcStat.cpuTicks(stat) / ProcStat.TICKS_PER_SECOND;
                    }
                } catch (final IOException | RuntimeException ended) {
                    // gone meanwhile
                }
            }
        }
        return seconds;
    }

    /** Round trips (or lines) over 1 ms. */
    private static long overOneMs(final long[] nanos) {
        return java.util.Arrays.stream(nanos).filter(n -> n > 1_000_000).count();
    }

    /** Ticks the machine's CPUs were busy between two readings of {@link #machine()}. */
    private static long busyTicks(final long[] before, final long[] after) {
        return after[0] - before[0] - (after[1] - before[1]);
    }

    /** The machine's total and idle (idle + iowait) ticks, from /proc/stat. */
    private static long[] machine() throws IOException {
        final String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < cpu.length; i++) {
            total += Long.parseLong(cpu[i]);
        }
        return new long[] {total, Long.parseLong(cpu[4]) + Long.parseLong(cpu[5])};
    }
}
