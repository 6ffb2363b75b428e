package org.ptth.bench.measure;

import static org.ptth.bench.report.Figures.*;

import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ptth.bench.chain.Services;
import org.ptth.bench.load.EchoClient;
import org.ptth.bench.probes.RelayStatus;
import org.ptth.bench.report.Results;

/** Bulk data to a slow reader through one ptth way, while the relay's heap after GC is sampled. */
public final class Backpressure {

    private static final double MIB = 1024.0 * 1024.0;

    private final Results results;
    private final boolean quick;

    public Backpressure(final Results results, final boolean quick) {
        this.results = results;
        this.quick = quick;
    }

    public void run(final Way way, final RelayStatus relay) throws Exception {
        final long bytes = quick ? 64L << 20 : 1L << 30;
        final double seconds = quick ? 5 : 25;
        final long pace = (long) (bytes / seconds);
        // Closed tunnels leave connections kept alive (and Tomcat's buffers with them) until
        // keepAliveTimeout: wait until the heap after GC has settled, so that decay is not taken for flatness.
        long before = relay.get(true, "heap_used_bytes");
        final long settleDeadline = System.nanoTime() + 45_000_000_000L;
        while (System.nanoTime() - settleDeadline < 0) {
            Thread.sleep(1_000);
            final long now = relay.get(true, "heap_used_bytes");
            Progress.show(String.format(Locale.ROOT, "backpressure: waiting for the relay heap to settle, %.1f MiB",
                    now / MIB));
            final boolean settled = Math.abs(now - before) < MIB;
            before = now;
            if (settled) {
                break;
            }
        }
        long max = before;
        long min = before;
        int samples = 0;
        final long start = System.nanoTime();
        final ExecutorService sender = Executors.newSingleThreadExecutor();
        try {
            final Future<EchoClient.SinkResult> transfer = sender.submit(
                    () -> EchoClient.sink(way.port(Services.ECHO), 0, bytes, pace));
            while (!transfer.isDone()) {
                final long heap = relay.get(true, "heap_used_bytes");
                max = Math.max(max, heap);
                min = Math.min(min, heap);
                samples++;
                Progress.show(String.format(Locale.ROOT, "backpressure: %d MiB to a reader taking %.1f MiB/s via %s,"
                        + " %.0f s, relay heap %.1f MiB", bytes >> 20, pace / MIB, way.column(),
                        (System.nanoTime() - start) / 1e9, heap / MIB));
                Thread.sleep(quick ? 250 : 1_000);
            }
            final EchoClient.SinkResult r = transfer.get();
            final String col = way.column();
            results.put(BACKPRESSURE_INTACT, col, r.intact() ? r.bytes() / MIB : 0);
            results.put(BACKPRESSURE_HEAP, col, (max - before) / MIB);
            results.note(BACKPRESSURE_INTACT, String.format(Locale.ROOT, "%s: %d MiB sent in %.1f s, reader paced to"
                    + " %.1f MiB/s", col, bytes >> 20, r.nanos() / 1e9, pace / MIB));
            results.note(BACKPRESSURE_HEAP, String.format(Locale.ROOT, "%s: %d samples, min %.1f, max %.1f, before"
                    + " %.1f MiB", col, samples, min / MIB, max / MIB, before / MIB));
        } finally {
            sender.shutdownNow();
        }
    }
}
