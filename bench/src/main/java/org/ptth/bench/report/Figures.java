package org.ptth.bench.report;

/** Every figure the bench measures, in one place: the measurements write them, the targets read them. */
public final class Figures {

    private Figures() {
    }

    private static final String THROUGHPUT = "throughput (iperf3, median of 3 runs)";
    public static final Figure THROUGHPUT_1 = new Figure(THROUGHPUT, "1 stream", "MiB/s");
    public static final Figure THROUGHPUT_8 = new Figure(THROUGHPUT, "8 streams", "MiB/s");

    private static final String RTT = "round trip of 32 bytes on one connection, after warm-up";
    public static final Figure RTT_P50 = new Figure(RTT, "p50", "us");
    public static final Figure RTT_P99 = new Figure(RTT, "p99", "us");

    private static final String SETUP = "setup (connect to first echoed byte), sequential, after warm-up";
    public static final Figure SETUP_P50 = new Figure(SETUP, "p50", "ms");
    public static final Figure SETUP_P99 = new Figure(SETUP, "p99", "ms");

    private static final String FIRST = "setup of the first 100 connections after the proxies start";
    public static final Figure FIRST_P50 = new Figure(FIRST, "p50", "ms");
    public static final Figure FIRST_P99 = new Figure(FIRST, "p99", "ms");

    private static final String STALLED = "round trip of 32 bytes while two other tunnels are stalled";
    public static final Figure STALLED_P50 = new Figure(STALLED, "p50", "us");
    public static final Figure STALLED_P99 = new Figure(STALLED, "p99", "us");

    private static final String REDIS = "redis-benchmark (50 clients)";
    public static final Figure REDIS_C50_GET = new Figure(REDIS, "-c 50 GET", "requests/s");
    public static final Figure REDIS_C50_SET = new Figure(REDIS, "-c 50 SET", "requests/s");
    public static final Figure REDIS_P16_GET = new Figure(REDIS, "-c 50 -P 16 GET", "requests/s");
    public static final Figure REDIS_P16_SET = new Figure(REDIS, "-c 50 -P 16 SET", "requests/s");

    private static final String CPU = "CPU per redis request (-c 50 GET and SET)";
    public static final Figure CPU_RELAY = new Figure(CPU, "relay (Tomcat)", "us");
    public static final Figure CPU_CLIENT = new Figure(CPU, "client proxy", "us");
    public static final Figure CPU_SERVER = new Figure(CPU, "server proxy", "us");
    public static final Figure CPU_SUM = new Figure(CPU, "sum of the three", "us");

    public static final Figure PGBENCH = new Figure("pgbench -c 8 -j 2", "transactions/s", "");

    private static final String SSH = "ssh ping-pong through cat, 32-byte lines";
    public static final Figure SSH_P50 = new Figure(SSH, "p50", "ms");
    public static final Figure SSH_P99 = new Figure(SSH, "p99", "ms");

    private static final String SCP = "scp of 64 MiB";
    public static final Figure SCP_UP = new Figure(SCP, "upload", "MB/s");
    public static final Figure SCP_DOWN = new Figure(SCP, "download", "MB/s");

    private static final String TUNNELS = "concurrent tunnels, every byte checked";
    public static final Figure TUNNELS_OPEN = new Figure(TUNNELS, "open at once", "");
    public static final Figure TUNNELS_ERRORS = new Figure(TUNNELS, "errors", "");
    public static final Figure RELAY_HEAP = new Figure(TUNNELS, "relay heap per tunnel", "KiB");
    public static final Figure CLIENT_HEAP = new Figure(TUNNELS, "client proxy heap per tunnel", "KiB");
    public static final Figure SERVER_HEAP = new Figure(TUNNELS, "server proxy heap per tunnel", "KiB");
    public static final Figure RELAY_THREADS = new Figure(TUNNELS, "relay threads per tunnel", "");
    public static final Figure CLIENT_THREADS = new Figure(TUNNELS, "client proxy threads per tunnel", "");
    public static final Figure SERVER_THREADS = new Figure(TUNNELS, "server proxy threads per tunnel", "");
    public static final Figure TUNNELS_LEFT = new Figure(TUNNELS, "relay tunnels left 30 s after closing", "");

    private static final String BACKPRESSURE = "backpressure: bulk data to a slow reader";
    public static final Figure BACKPRESSURE_INTACT = new Figure(BACKPRESSURE, "arrived, CRC32C equal", "MiB");
    public static final Figure BACKPRESSURE_HEAP = new Figure(BACKPRESSURE, "relay heap after GC, max - before", "MiB");

    /** The fronts as conf/ ships them, by the name the table gives them. */
    public static final java.util.List<String> FRONTS = java.util.List.of("nginx", "Apache httpd", "HAProxy");
    /** The same measurement straight to Tomcat, to compare each front with. */
    public static final String NO_FRONT = "no front";

    private static final String FRONT = "through each front as conf/ ships it (after 100 warm-up connections)";

    public static Figure frontSetupP50(final String front) {
        return new Figure(FRONT, front + ": setup p50", "ms");
    }

    public static Figure frontSetupP99(final String front) {
        return new Figure(FRONT, front + ": setup p99", "ms");
    }

    public static Figure frontRttP50(final String front) {
        return new Figure(FRONT, front + ": round trip p50", "us");
    }

    public static Figure frontRttP99(final String front) {
        return new Figure(FRONT, front + ": round trip p99", "us");
    }
}
