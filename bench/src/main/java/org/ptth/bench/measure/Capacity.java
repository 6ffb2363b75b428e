package org.ptth.bench.measure;

import static org.ptth.bench.report.Figures.*;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.ptth.bench.chain.Services;
import org.ptth.bench.load.EchoClient;
import org.ptth.bench.probes.Jcmd;
import org.ptth.bench.probes.ProcStat;
import org.ptth.bench.probes.RelayStatus;
import org.ptth.bench.report.Figure;
import org.ptth.bench.report.Results;

/**
 * Many tunnels open at once through one ptth way, every byte checked: heap (after a full GC) and
 * threads per tunnel in the relay and in each proxy. Tunnels are opened in batches; before each batch
 * the bench checks that the processes' open-file limits and the machine's thread limit (pid_max)
 * leave room for it at the rate seen so far, and stops there, saying why, rather than fail the machine.
 */
public final class Capacity {

    private static final int BATCH = 500;

    private final Results results;
    private final Path out;

    public Capacity(final Results results, final Path out) {
        this.results = results;
        this.out = out;
    }

    /** Heap after GC and threads of the relay and both proxies, and the relay's tunnel count. */
    record Snapshot(long tunnels, long[] heap, long[] threads) {
    }

    /**
     * @param relayConnections the relay's connector's maxConnections: past it Tomcat stops accepting,
     *                         and the bench stops before it like before a file limit
     */
    public void run(final Way way, final RelayStatus relay, final int wanted, final int relayConnections)
            throws Exception {
        final int port = way.port(Services.ECHO);
        final long client = way.clientPids().get(Services.ECHO);
        final long[] pids = {way.relayPid(), client, way.serverPid()};
        final Map<String, Long> watched = new LinkedHashMap<>(Map.of("relay", way.relayPid(), "client proxy", client,
                "server proxy", way.serverPid(), "bench", ProcessHandle.current().pid()));
        Progress.show("concurrent tunnels: measuring the processes before, via " + way.column());
        final Snapshot before = snapshot(relay, pids);
        final Map<String, Long> filesBefore = new LinkedHashMap<>();
        for (final Map.Entry<String, Long> w : watched.entrySet()) {
            filesBefore.put(w.getKey(), ProcStat.openFiles(w.getValue()));
        }
        final long threadsBefore = ProcStat.machineThreads();
        final List<Socket> sockets = new ArrayList<>();
        final AtomicInteger errors = new AtomicInteger();
        final List<String> firstErrors = new ArrayList<>();
        final ExecutorService pool = Executors.newFixedThreadPool(16);
        String stoppedBy = null;
        try {
            final long openStart = System.nanoTime();
            while (sockets.size() < wanted && errors.get() == 0) {
                final int batch = Math.min(BATCH, wanted - sockets.size());
                stoppedBy = room(watched, filesBefore, threadsBefore, sockets.size(), batch, relayConnections);
                if (stoppedBy != null) {
                    break;
                }
                final Socket[] opened = new Socket[batch];
                final int base = sockets.size();
                forAll(pool, batch, "opening " + (base + batch) + "/" + wanted + " via " + way.column(), errors,
                        firstErrors, i -> () -> {
                            opened[i] = EchoClient.openEcho(port);
                            EchoClient.exchange(opened[i], 1024, base + i);
                        });
                for (final Socket s : opened) {
                    if (s != null) {
                        sockets.add(s);
                    }
                }
            }
            final double openSeconds = (System.nanoTime() - openStart) / 1e9;
            final int n = sockets.size();
            forAll(pool, n, "exchanging 16 KiB on each of " + n, errors, firstErrors,
                    i -> () -> EchoClient.exchange(sockets.get(i), 16 * 1024, 1_000_000L + i));
            Progress.show("concurrent tunnels: " + n + " open, measuring the processes");
            final Snapshot held = snapshot(relay, pids);
            final String[] names = {"relay", "client-proxy", "server-proxy"};
            for (int i = 0; i < pids.length; i++) {
                Files.writeString(out.resolve(names[i] + "-histogram-" + way.column() + ".txt"),
                        Jcmd.histogram(pids[i], 40));
            }
            forAll(pool, n, "exchanging 16 KiB on each again", errors, firstErrors,
                    i -> () -> EchoClient.exchange(sockets.get(i), 16 * 1024, 2_000_000L + i));
            forAll(pool, n, "closing " + n, errors, firstErrors, i -> () -> EchoClient.closeEcho(sockets.get(i)));
            long left = -1;
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() - deadline < 0) {
                left = relay.get(false, "tunnels");
                if (left <= before.tunnels()) {
                    break;
                }
                Progress.show("concurrent tunnels: waiting for the relay to end them (" + left + " left)");
                Thread.sleep(250);
            }
            final String col = way.column();
            results.put(TUNNELS_OPEN, col, n);
            results.put(TUNNELS_ERRORS, col, errors.get());
            results.put(TUNNELS_LEFT, col, left - before.tunnels());
            final Figure[] heap = {RELAY_HEAP, CLIENT_HEAP, SERVER_HEAP};
            final Figure[] threads = {RELAY_THREADS, CLIENT_THREADS, SERVER_THREADS};
            for (int i = 0; i < 3; i++) {
                if (n > 0) {
                    results.put(heap[i], col, (held.heap()[i] - before.heap()[i]) / 1024.0 / n);
                    results.put(threads[i], col, (held.threads()[i] - before.threads()[i]) / (double) n);
                }
                results.note(heap[i], String.format(Locale.ROOT, "%s: %.1f -> %.1f MiB after GC", col,
                        before.heap()[i] / 1048576.0, held.heap()[i] / 1048576.0));
                results.note(threads[i], col + ": " + before.threads()[i] + " -> " + held.threads()[i]);
            }
            results.note(TUNNELS_OPEN, String.format(Locale.ROOT, "%s: %d of %d opened in %.1f s%s", col, n, wanted,
                    openSeconds, stoppedBy == null ? "" : "; stopped: " + stoppedBy));
            for (final String e : firstErrors) {
                results.note(TUNNELS_ERRORS, col + ": " + e);
            }
        } finally {
            pool.shutdownNow();
            sockets.forEach(EchoClient::abort);
        }
    }

    private static Snapshot snapshot(final RelayStatus relay, final long[] pids) throws IOException {
        final long[] heap = new long[pids.length];
        final long[] threads = new long[pids.length];
        for (int i = 0; i < pids.length; i++) {
            heap[i] = Jcmd.heapAfterGc(pids[i]);
            threads[i] = ProcStat.threads(pids[i]);
        }
        return new Snapshot(relay.get(false, "tunnels"), heap, threads);
    }

    /**
     * Null when {@code batch} more tunnels fit, at the open files and threads per tunnel seen so far
     * (assumed 6 files and 6 threads per tunnel before the first batch), else the limit they would cross.
     */
    static String room(final Map<String, Long> watched, final Map<String, Long> filesBefore, final long threadsBefore,
                       final int open, final int batch, final int relayConnections) throws IOException {
        for (final Map.Entry<String, Long> w : watched.entrySet()) {
            final long files = ProcStat.openFiles(w.getValue());
            final long limit = ProcStat.openFileLimit(w.getValue());
            final long before = filesBefore.get(w.getKey());
            final double perTunnel = open == 0 ? 6 : Math.max(0, files - before) / (double) open;
            if (files + perTunnel * batch > limit * 0.95) {
                return String.format(Locale.ROOT, "the %s's open files (%d, about %.1f per tunnel) would pass its"
                        + " limit of %d", w.getKey(), files, perTunnel, limit);
            }
            // the relay's files past those it had before are its connections (kept-alive ones included)
            if (w.getKey().equals("relay") && files - before + perTunnel * batch > relayConnections * 0.9) {
                return String.format(Locale.ROOT, "the relay's connections (about %d, %.1f per tunnel) would pass"
                        + " the connector's maxConnections of %d (conf/tomcat-connector.xml)", files - before,
                        perTunnel, relayConnections);
            }
        }
        final long threads = ProcStat.machineThreads();
        final long max = ProcStat.pidMax();
        final double perTunnel = open == 0 ? 6 : Math.max(0, threads - threadsBefore) / (double) open;
        if (threads + perTunnel * batch > max - 4_000) {
            return String.format(Locale.ROOT, "the machine's threads (%d, about %.1f per tunnel) would pass its"
                    + " limit (pid_max %d, less 4000 for the rest of the machine)", threads, perTunnel, max);
        }
        return null;
    }

    interface Task {
        void run() throws Exception;
    }

    private static void forAll(final ExecutorService pool, final int n, final String what, final AtomicInteger errors,
                               final List<String> firstErrors, final java.util.function.IntFunction<Task> task)
            throws Exception {
        final AtomicInteger done = new AtomicInteger();
        final List<Future<?>> futures = new ArrayList<>();
        // past this many errors in this phase the rest of it is skipped: each failing connection would wait
        // for its timeouts (the next phase, closing say, still runs)
        final int giveUp = Math.max(10, n / 50);
        final AtomicInteger phaseErrors = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            final Task t = task.apply(i);
            final int index = i;
            futures.add(pool.submit(() -> {
                try {
                    if (phaseErrors.get() >= giveUp) {
                        throw new IOException("skipped after " + giveUp + " errors");
                    }
                    t.run();
                } catch (final Exception e) {
                    phaseErrors.incrementAndGet();
                    errors.incrementAndGet();
                    synchronized (firstErrors) {
                        if (firstErrors.size() < 5) {
                            firstErrors.add(what + " #" + index + ": " + e);
                        }
                    }
                }
                done.incrementAndGet();
                return null;
            }));
        }
        for (final Future<?> f : futures) {
            while (!f.isDone()) {
                Progress.show("concurrent tunnels: " + what + ", " + done.get() + "/" + n
                        + (errors.get() > 0 ? ", " + errors.get() + " errors" : ""));
                Thread.sleep(200);
            }
            f.get();
        }
    }
}
