package org.ptth.bench.chain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The TCP services every way leads to: the bench's own target, iperf3 and redis-server. */
public final class Services {

    /** The port names the server proxy exposes, and the services behind them. */
    public static final String ECHO = "echo";
    public static final String IPERF = "iperf";
    public static final String REDIS = "redis";
    public static final String POSTGRES = "pg";
    public static final String SSH = "ssh";

    private Services() {
    }

    /** The bench's TCP server (echo, sinks, stalls), from the bench's own jar. */
    public static int target(final Processes processes, final Path benchJar) throws IOException {
        final int port = Processes.freePort();
        final Process p = processes.start("target", List.of(java(), "-Xss256k", "-cp", benchJar.toString(),
                "org.ptth.bench.target.BenchTarget", Integer.toString(port)), Map.of(), null);
        Processes.await("the bench's TCP server", 60, p, processes.log("target"), () -> Processes.listening(port));
        return port;
    }

    public static int iperf(final Processes processes) throws IOException {
        final int port = Processes.freePort();
        final Process p = processes.start("iperf3-server", List.of("iperf3", "-s", "-B", "127.0.0.1", "-p",
                Integer.toString(port)), Map.of(), null);
        Processes.await("iperf3 -s", 30, p, processes.log("iperf3-server"), () -> Processes.listening(port));
        return port;
    }

    /** redis-server on loopback, nothing saved to disk. */
    public static int redis(final Processes processes, final Path dir) throws IOException {
        final int port = Processes.freePort();
        java.nio.file.Files.createDirectories(dir);
        final Process p = processes.start("redis-server", List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--dir", dir.toString(), "--maxclients", "1000"), Map.of(), null);
        Processes.await("redis-server", 30, p, processes.log("redis-server"), () -> Processes.listening(port));
        return port;
    }

    /** The java launcher of this JVM: every JVM of the chain runs on it. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
