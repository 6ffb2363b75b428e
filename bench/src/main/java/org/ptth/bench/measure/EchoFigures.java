package org.ptth.bench.measure;

import static org.ptth.bench.report.Figures.*;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.ptth.bench.chain.Services;
import org.ptth.bench.load.EchoClient;
import org.ptth.bench.probes.Iperf;
import org.ptth.bench.report.Results;
import org.ptth.bench.stats.Samples;

/** The figures of the bench's own TCP server through one way: setup, round trip, throughput, stalls. */
public final class EchoFigures {

    private static final double MIB = 1024.0 * 1024.0;

    private final Results results;
    private final boolean quick;

    public EchoFigures(final Results results, final boolean quick) {
        this.results = results;
        this.quick = quick;
    }

    /** Setup of the first 100 connections, nothing before them: for a ptth way right after its proxies start. */
    public void firstConnections(final Way way) throws IOException {
        final int count = 100;
        Progress.show("first " + count + " connections via " + way.column());
        final long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            nanos[i] = EchoClient.setupOnce(way.port(Services.ECHO));
        }
        final double[] p = Samples.p50p99(nanos, 1e6);
        results.put(FIRST_P50, way.column(), p[0]);
        results.put(FIRST_P99, way.column(), p[1]);
        results.note(FIRST_P50, "sequential; for the baselines, the first 100 of the run");
    }

    public void warmUp(final Way way) throws IOException {
        Progress.show("warm-up via " + way.column());
        EchoClient.sink(way.port(Services.ECHO), quick ? 1 : 3, 0, 0);
        for (int i = 0; i < (quick ? 100 : 500); i++) {
            EchoClient.setupOnce(way.port(Services.ECHO));
        }
        EchoClient.pingPong(way.port(Services.ECHO), 0, 2000);
    }

    public void setup(final Way way) throws IOException {
        final int count = quick ? 100 : 200;
        final int warmup = quick ? 100 : 1000;
        Progress.show("setup: " + count + " sequential connections after " + warmup + " via " + way.column());
        for (int i = 0; i < warmup; i++) {
            EchoClient.setupOnce(way.port(Services.ECHO));
        }
        final long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            nanos[i] = EchoClient.setupOnce(way.port(Services.ECHO));
        }
        final double[] p = Samples.p50p99(nanos, 1e6);
        results.put(SETUP_P50, way.column(), p[0]);
        results.put(SETUP_P99, way.column(), p[1]);
        results.note(SETUP_P50, count + " connections after " + warmup + " unmeasured ones");
    }

    public void roundTrip(final Way way) throws IOException {
        final int count = quick ? 5_000 : 20_000;
        Progress.show("round trip: " + count + " pings of 32 bytes via " + way.column());
        final double[] p = Samples.p50p99(EchoClient.pingPong(way.port(Services.ECHO), 1_000, count), 1e3);
        results.put(RTT_P50, way.column(), p[0]);
        results.put(RTT_P99, way.column(), p[1]);
        results.note(RTT_P50, count + " pings after 1000 unmeasured ones");
    }

    public void throughput(final Way way) throws IOException {
        if (!way.has(Services.IPERF)) {
            return;
        }
        final int seconds = quick ? 1 : 10;
        final int runs = 3;
        for (final int streams : new int[] {1, 8}) {
            final double[] rates = new double[runs];
            for (int r = 0; r < runs; r++) {
                Progress.show("throughput: " + streams + " stream(s), " + seconds + " s via " + way.column()
                        + " (run " + (r + 1) + "/" + runs + ")");
                rates[r] = Iperf.bytesPerSecond(way.port(Services.IPERF), seconds, streams) / MIB;
            }
            results.put(streams == 1 ? THROUGHPUT_1 : THROUGHPUT_8, way.column(), Samples.median(rates));
        }
        results.note(THROUGHPUT_1, seconds + " s per run");
    }

    /**
     * Ping-pong on one connection while two others through the same proxies are stalled: one whose
     * receiver (the target) stopped reading while this side keeps sending, one whose receiver (this
     * side) stopped reading while the target keeps sending.
     */
    public void stalledNeighbours(final Way way) throws IOException, InterruptedException {
        final int port = way.port(Services.ECHO);
        final List<Socket> stalled = new ArrayList<>();
        try {
            Progress.show("stalled neighbours: filling two stalled tunnels via " + way.column());
            stalled.add(EchoClient.stalledUpstream(port));
            stalled.add(EchoClient.stalledDownstream(port));
            // let the stalled tunnels fill every buffer on their way before measuring
            Thread.sleep(quick ? 2_000 : 5_000);
            final int count = quick ? 2_000 : 10_000;
            Progress.show("stalled neighbours: " + count + " pings via " + way.column());
            final double[] p = Samples.p50p99(EchoClient.pingPong(port, 500, count), 1e3);
            results.put(STALLED_P50, way.column(), p[0]);
            results.put(STALLED_P99, way.column(), p[1]);
            results.note(STALLED_P50, count + " pings; one tunnel's receiver parked while its sender fills it,"
                    + " one flooded towards a client that reads nothing");
        } finally {
            stalled.forEach(EchoClient::abort);
        }
    }
}
