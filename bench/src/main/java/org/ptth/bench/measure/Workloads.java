package org.ptth.bench.measure;

import static org.ptth.bench.report.Figures.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.ptth.bench.chain.Postgres;
import org.ptth.bench.chain.Services;
import org.ptth.bench.load.Pgbench;
import org.ptth.bench.load.RedisBenchmark;
import org.ptth.bench.load.SshClient;
import org.ptth.bench.probes.ProcStat;
import org.ptth.bench.report.Results;
import org.ptth.bench.stats.Samples;

/** The programs people forward, through one way: redis-benchmark, pgbench, ssh and scp. */
public final class Workloads {

    /** What scp copies each way: random bytes, so that nothing on the way can compress them. */
    public static final int SCP_BYTES = 64 << 20;

    private final Results results;
    private final boolean quick;
    private final Path dir;
    private final SshClient ssh;

    /** @param ssh the client of the private sshd, or null when there is none */
    public Workloads(final Results results, final boolean quick, final Path dir, final SshClient ssh) {
        this.results = results;
        this.quick = quick;
        this.dir = dir;
        this.ssh = ssh;
    }

    /**
     * redis-benchmark -c 50 (GET and SET); for a ptth way, the CPU time the relay and both proxies
     * spent during it, per request.
     */
    public void redis(final Way way) throws IOException {
        if (!way.has(Services.REDIS)) {
            return;
        }
        final int port = way.port(Services.REDIS);
        final int requests = quick ? 20_000 : 100_000;
        Progress.show("redis-benchmark -c 50, " + requests + " GET and SET via " + way.column());
        final double[] before = way.isPtth() ? cpu(way) : null;
        final Map<String, Double> plain = RedisBenchmark.run(port, 50, 1, requests);
        if (before != null) {
            final double[] after = cpu(way);
            final double perRequest = 1e6 / (2.0 * requests);
            final double relay = (after[0] - before[0]) * perRequest;
            final double client = (after[1] - before[1]) * perRequest;
            final double server = (after[2] - before[2]) * perRequest;
            results.put(CPU_RELAY, way.column(), relay);
            results.put(CPU_CLIENT, way.column(), client);
            results.put(CPU_SERVER, way.column(), server);
            results.put(CPU_SUM, way.column(), relay + client + server);
            results.note(CPU_RELAY, "user + system time from /proc/PID/stat before and after " + 2 * requests
                    + " requests, 10 ms resolution");
        }
        results.put(REDIS_C50_GET, way.column(), plain.get("GET"));
        results.put(REDIS_C50_SET, way.column(), plain.get("SET"));
        results.note(REDIS_C50_GET, requests + " requests per test; -P 16: " + (quick ? 200_000 : 1_000_000));
    }

    /** redis-benchmark -c 50 -P 16 (GET and SET): a step of its own, so that it is measured whatever -c 50 did. */
    public void redisPipelined(final Way way) throws IOException {
        if (!way.has(Services.REDIS)) {
            return;
        }
        final int port = way.port(Services.REDIS);
        final int pipelined = quick ? 200_000 : 1_000_000;
        Progress.show("redis-benchmark -c 50 -P 16, " + pipelined + " GET and SET via " + way.column());
        final Map<String, Double> p16 = RedisBenchmark.run(port, 50, 16, pipelined);
        results.put(REDIS_P16_GET, way.column(), p16.get("GET"));
        results.put(REDIS_P16_SET, way.column(), p16.get("SET"));
    }

    /** CPU seconds of the relay, the client proxy that carries redis, and the server proxy. */
    private static double[] cpu(final Way way) throws IOException {
        return new double[] {ProcStat.cpuSeconds(way.relayPid()),
                ProcStat.cpuSeconds(way.clientPids().get(Services.REDIS)), ProcStat.cpuSeconds(way.serverPid())};
    }

    public void pgbench(final Way way) throws IOException {
        if (!way.has(Services.POSTGRES)) {
            return;
        }
        final int seconds = quick ? 5 : 15;
        Progress.show("pgbench -c 8 -j 2 -T " + seconds + " via " + way.column());
        results.put(PGBENCH, way.column(), Pgbench.run(way.port(Services.POSTGRES), Postgres.USER, Postgres.DATABASE,
                8, 2, seconds));
        results.note(PGBENCH, "TPC-B like, scale 10, " + seconds + " s, the server with synchronous_commit=off");
    }

    public void ssh(final Way way) throws IOException {
        if (ssh == null || !way.has(Services.SSH)) {
            return;
        }
        final int port = way.port(Services.SSH);
        final int count = quick ? 1_000 : 5_000;
        Progress.show("ssh ping-pong through cat: " + count + " lines via " + way.column());
        final double[] p = Samples.p50p99(ssh.pingPong(port, 200, count, dir.resolve("ssh-" + safe(way) + ".log")),
                1e6);
        results.put(SSH_P50, way.column(), p[0]);
        results.put(SSH_P99, way.column(), p[1]);
        results.note(SSH_P50, count + " lines after 200 unmeasured ones, one session");

        final Path local = scpSource(dir);
        final Path remote = dir.resolve("scp-remote-" + safe(way) + ".bin");
        final Path back = dir.resolve("scp-back-" + safe(way) + ".bin");
        Files.deleteIfExists(remote);
        Files.deleteIfExists(back);
        Progress.show("scp of 64 MiB up via " + way.column());
        final double up = ssh.scp(port, local.toString(), ssh.target() + ":" + remote);
        Progress.show("scp of 64 MiB down via " + way.column());
        final double down = ssh.scp(port, ssh.target() + ":" + remote, back.toString());
        if (Files.mismatch(local, remote) != -1 || Files.mismatch(local, back) != -1) {
            throw new IOException("scp via " + way.column() + ": the copies differ from the source");
        }
        Files.delete(remote);
        Files.delete(back);
        results.put(SCP_UP, way.column(), SCP_BYTES / 1e6 / up);
        results.put(SCP_DOWN, way.column(), SCP_BYTES / 1e6 / down);
        results.note(SCP_UP, "wall time of scp, login included; both copies compared byte for byte");
    }

    /** The file scp copies, {@link #SCP_BYTES} random bytes in {@code dir}, written the first time. */
    public static Path scpSource(final Path dir) throws IOException {
        final Path source = dir.resolve("scp-source.bin");
        if (!Files.exists(source)) {
            final byte[] bytes = new byte[SCP_BYTES];
            new SplittableRandom(64).nextBytes(bytes);
            Files.write(source, bytes);
        }
        return source;
    }

    private static String safe(final Way way) {
        return way.column().replaceAll("[^A-Za-z0-9-]", "_");
    }
}
