package org.ptth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;
import org.ptth.e2e.harness.Chain;
import org.ptth.e2e.harness.ProxyLogs;
import org.ptth.e2e.harness.ProxyProcess;
import org.ptth.e2e.harness.RelayStatus;
import org.ptth.e2e.harness.TcpHandlers;
import org.ptth.e2e.harness.TcpTestServer;
import org.ptth.e2e.harness.Transfer;
import org.ptth.e2e.harness.TunnelClient;
import org.ptth.e2e.harness.Waits;

/**
 * A soak, bounded in time: {@code ptth.soak.tunnels} workers (default 200) each open tunnel after
 * tunnel for {@code ptth.soak.seconds} (default 30), through one client proxy, the relay and one
 * server proxy. Each tunnel picks at random what it sends (0 to 2 MiB), whether the TCP server
 * echoes it or answers with its digest, whether the client half-closes after sending and reads the
 * rest, and whether it resets its socket in the middle instead (about one in ten). Every byte of
 * every completed tunnel is checked by digest; an aborted one must only not hang anything.
 *
 * <p>At the end the relay counts no tunnel, every TCP server handler has returned, and the relay's
 * threads and heap (after a GC) are back near where they were before the soak.
 *
 * <p>A long run: {@code mvn -B -pl end-to-end verify -Dit.test=SoakIT -Dptth.soak.tunnels=1000
 * -Dptth.soak.seconds=300}; {@code -Dptth.soak.abortOneIn=3} makes resets more frequent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Isolated("many tunnels at once load both cores for minutes")
class SoakIT {

    private static final String SERVER = "soak-server";
    private static final String CLIENT = "soak-client";
    private static final String PORT = "soak";
    private static final int HEARTBEAT_SECONDS = 2;
    private static final int CONNECTION_TIMEOUT_MILLIS = 20_000;
    private static final int TUNNELS = Integer.getInteger("ptth.soak.tunnels", 200);
    private static final int SECONDS = Integer.getInteger("ptth.soak.seconds", 30);
    private static final int MAX_BYTES = 2 * 1024 * 1024;
    /** One in this many tunnels resets its socket mid-transfer. */
    private static final int ABORT_ONE_IN = Integer.getInteger("ptth.soak.abortOneIn", 10);
    /** A read that waits longer than this is a hang. */
    private static final int READ_TIMEOUT_MILLIS = 60_000;
    /**
     * Threads the relay's JVM may have after the soak beyond what it had after the warm-up. Tomcat's
     * connector pool grows under load (up to maxThreads, 200) and lets idle threads go only after a
     * minute (maxIdleTime 60 s), so the test waits up to 90 s for them to go; the slack covers the
     * pool's spare threads. A thread per stream left behind by thousands of tunnels would be far more.
     */
    private static final int THREAD_SLACK = 60;
    /**
     * Heap the relay may hold after the soak and a GC beyond what it held after the warm-up and a
     * GC: Tomcat keeps pools of processors and NIO channels with their socket buffers (hundreds of
     * entries, tens of KiB each) sized by the peak number of connections, and the JIT's and class
     * loading's heap side effects. Leaking one relay buffer (8 to 256 KiB) per tunnel over thousands
     * of tunnels would be far more.
     */
    private static final long HEAP_SLACK_BYTES = 96L * 1024 * 1024;

    private final AtomicInteger activeHandlers = new AtomicInteger();
    private Chain chain;
    private RelayStatus status;
    private int clientPort;

    /**
     * Options given to both proxies: four-stream here (the proxies' default, auto, would take mux, which
     * the Mux subclasses run); a subclass names another transport or adds options.
     */
    protected List<String> proxyOptions() {
        return List.of("--transport", "four-stream");
    }

    /** Options of the client proxy: {@link #proxyOptions()} unless a subclass mixes transports. */
    protected List<String> clientOptions() {
        return proxyOptions();
    }

    /** Options of the server proxy: {@link #proxyOptions()} unless a subclass mixes transports. */
    protected List<String> serverOptions() {
        return proxyOptions();
    }

    @BeforeAll
    void startChain() throws IOException {
        chain = Chain.builder(getClass().getSimpleName(), counted(TcpHandlers.dispatch(Map.of(
                        'E', TcpHandlers.echo(),
                        // reads to end, then replies sha256(what it read) and sha256 of nothing: 64 bytes
                        'D', TcpHandlers.digestThenReply(0)))))
                .names(SERVER, CLIENT)
                .port(PORT)
                .connectionTimeoutMillis(CONNECTION_TIMEOUT_MILLIS)
                .relay("connect.wait", "30s")
                .relay("accept.timeout", "10s")
                .status()
                .heartbeatSeconds(HEARTBEAT_SECONDS)
                .proxyOptions(clientOptions(), serverOptions())
                .start();
        status = chain.status();
        clientPort = chain.clientPort();
    }

    @AfterAll
    void stopChain() {
        if (chain != null) {
            chain.close();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void manyTunnelsForAWhile() throws Exception {
        final RelayStatus.Figures cold = status.readAfterGc();
        System.out.printf("soak: %d tunnels at once for %d s; relay cold: %s%n", TUNNELS, SECONDS, cold);
        warmUp();
        status.awaitTunnels(0, Duration.ofSeconds(30));
        final RelayStatus.Figures warm = status.readAfterGc();
        System.out.println("soak: relay after the warm-up: " + warm);

        final Tally tally = new Tally();
        final Peak peak = new Peak();
        final Thread sampler = new Thread(() -> peak.sample(status), "soak-sampler");
        sampler.setDaemon(true);
        sampler.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        final ExecutorService workers = Executors.newFixedThreadPool(TUNNELS);
        final ExecutorService writers = Executors.newCachedThreadPool();
        final List<Future<?>> done = new ArrayList<>();
        try {
            for (int w = 0; w < TUNNELS; w++) {
                final long seed = 0x50a6_0000L + w;
                done.add(workers.submit(() -> {
                    final SplittableRandom random = new SplittableRandom(seed);
                    while (System.nanoTime() - deadline < 0) {
                        runOne(random.split(), writers, tally);
                    }
                    return null;
                }));
            }
            for (final Future<?> f : done) {
                f.get(SECONDS + 180L, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
            writers.shutdownNow();
            sampler.interrupt();
        }
        System.out.println("soak: " + tally + "; peak at the relay: " + peak);

        // a tunnel the relay still holds is reported at the end, after the other figures are in
        AssertionError notDrained = null;
        try {
            final Duration drained = status.awaitTunnels(0, Duration.ofSeconds(30));
            System.out.printf("soak: the relay's tunnel count reached 0 %d ms after the last tunnel%n",
                    drained.toMillis());
        } catch (final AssertionError e) {
            notDrained = e;
            System.out.println("soak: " + e.getMessage());
        }
        Waits.until("every TCP server handler to return", Duration.ofSeconds(30), () -> activeHandlers.get() == 0,
                () -> activeHandlers.get() + " handlers still running");
        // Tomcat's pool lets threads that grew for the soak's peak go only after a minute idle
        // (maxIdleTime 60 s): give it that minute, bounded, before comparing.
        final long threadsDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        RelayStatus.Figures after = lowestHeapAfterGc();
        while (after.threads() > warm.threads() + THREAD_SLACK && System.nanoTime() < threadsDeadline) {
            Thread.sleep(5000);
            after = lowestHeapAfterGc();
        }
        System.out.println("soak: relay after the soak: " + after);

        assertEquals(List.of(), tally.failureSample(), tally.failures.get() + " of " + tally.total()
                + " tunnels failed (first ones listed)");
        assertTrue(tally.completed.get() > 0, "no tunnel completed");
        assertTrue(after.threads() <= warm.threads() + THREAD_SLACK, "relay threads: " + warm.threads()
                + " after the warm-up, " + after.threads() + " after the soak (slack " + THREAD_SLACK + ")");
        assertTrue(after.heapUsedBytes() <= warm.heapUsedBytes() + HEAP_SLACK_BYTES, "relay heap after GC: "
                + (warm.heapUsedBytes() >> 20) + " MiB after the warm-up, " + (after.heapUsedBytes() >> 20)
                + " MiB after the soak (slack " + (HEAP_SLACK_BYTES >> 20) + " MiB)");
        for (final ProxyProcess proxy : List.of(chain.clientProxy(), chain.serverProxy())) {
            assertTrue(proxy.isAlive(), () -> proxy + " died\n" + proxy.logTail(40));
            assertEquals(List.of(), ProxyLogs.stackTraceLines(proxy.logText()),
                    proxy + " logged a stack trace\n" + proxy.logTail(60));
        }
        if (notDrained != null) {
            throw notDrained;
        }
    }

    // ---- one tunnel

    private enum Kind { ECHO_CONCURRENT, ECHO_HALF_CLOSE, DIGEST, ABORT }

    private void runOne(final SplittableRandom random, final ExecutorService writers, final Tally tally) {
        final int size = random.nextInt(MAX_BYTES + 1);
        final long seed = random.nextLong();
        final Kind kind = random.nextInt(ABORT_ONE_IN) == 0 ? Kind.ABORT
                : Kind.values()[random.nextInt(Kind.ABORT.ordinal())];
        final String what = kind + " of " + size + " bytes";
        try (Socket socket = TunnelClient.connect(clientPort)) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            switch (kind) {
                case ECHO_CONCURRENT -> echo(socket, size, seed, false, writers);
                case ECHO_HALF_CLOSE -> echo(socket, size, seed, true, writers);
                case DIGEST -> digest(socket, size, seed);
                case ABORT -> abort(socket, size, seed, random);
                default -> throw new IllegalStateException(kind.toString());
            }
            if (kind == Kind.ABORT) {
                tally.aborted.incrementAndGet();
            } else {
                tally.completed.incrementAndGet();
                tally.bytes.addAndGet(size);
            }
        } catch (final Exception | AssertionError e) {
            tally.fail(what + ": " + e);
        }
    }

    /**
     * Echo: a writer sends the bytes while this thread reads them back. With {@code halfClose} the
     * writer then shuts down its output and the echo must end too; without, this side reads exactly
     * what it sent and closes the whole socket.
     */
    private static void echo(final Socket socket, final int size, final long seed, final boolean halfClose,
            final ExecutorService writers) throws Exception {
        final OutputStream out = socket.getOutputStream();
        out.write('E');
        final Future<Transfer> sent = writers.submit(() -> {
            final Transfer t = Transfer.writeRandom(out, size, seed);
            if (halfClose) {
                socket.shutdownOutput();
            }
            return t;
        });
        final Transfer back = halfClose ? Transfer.readToEnd(socket.getInputStream())
                : readExactly(socket.getInputStream(), size);
        assertEquals(sent.get(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), back, "what came back");
    }

    /** Digest: sends the bytes, half-closes, and reads the server's SHA-256 of what it got. */
    private static void digest(final Socket socket, final int size, final long seed) throws IOException {
        final OutputStream out = socket.getOutputStream();
        out.write('D');
        final Transfer sent = Transfer.writeRandom(out, size, seed);
        socket.shutdownOutput();
        final byte[] reply = socket.getInputStream().readAllBytes();
        assertEquals(64, reply.length, "digest reply length");
        assertEquals(sent.sha256(), HexFormat.of().formatHex(reply, 0, 32), "the server's digest of what it read");
    }

    /** Abort: sends part of the bytes (maybe reading some echo first), then resets the connection. */
    private static void abort(final Socket socket, final int size, final long seed, final SplittableRandom random)
            throws IOException {
        final OutputStream out = socket.getOutputStream();
        final boolean echo = random.nextBoolean();
        out.write(echo ? 'E' : 'D');
        final int part = size == 0 ? 0 : random.nextInt(size);
        Transfer.writeRandom(out, Math.min(part, 256 * 1024), seed);
        if (echo && part > 0) {
            socket.getInputStream().readNBytes(Math.min(part, 1024));
        }
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private static Transfer readExactly(final InputStream in, final int size) throws IOException {
        final MessageDigest digest = Transfer.sha256Digest();
        final byte[] buffer = new byte[64 * 1024];
        int total = 0;
        while (total < size) {
            final int n = in.read(buffer, 0, Math.min(buffer.length, size - total));
            if (n < 0) {
                break;
            }
            digest.update(buffer, 0, n);
            total += n;
        }
        return new Transfer(total, HexFormat.of().formatHex(digest.digest()));
    }

    // ---- around the soak

    /** Every worker at once, one small echo each: the pools of Tomcat and the proxies grow to this concurrency. */
    private void warmUp() throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(TUNNELS);
        try {
            final CountDownLatch go = new CountDownLatch(1);
            final List<Future<Boolean>> all = new ArrayList<>();
            for (int i = 0; i < TUNNELS; i++) {
                final int n = i;
                all.add(pool.submit(() -> {
                    go.await();
                    return TunnelClient.echoWorks(clientPort, "warm-up " + n, Duration.ofSeconds(60));
                }));
            }
            go.countDown();
            int failed = 0;
            for (final Future<Boolean> f : all) {
                failed += f.get(120, TimeUnit.SECONDS) ? 0 : 1;
            }
            assertEquals(0, failed, "warm-up tunnels that failed\n" + chain.clientProxy().logTail(20));
        } finally {
            pool.shutdownNow();
        }
    }

    /** Three readings after a GC, the one with the least heap (a GC may leave some garbage behind). */
    private RelayStatus.Figures lowestHeapAfterGc() {
        RelayStatus.Figures best = null;
        for (int i = 0; i < 3; i++) {
            final RelayStatus.Figures f = status.readAfterGc();
            if (best == null || f.heapUsedBytes() < best.heapUsedBytes()) {
                best = f;
            }
            Waits.sleep(500);
        }
        return best;
    }

    private TcpTestServer.Handler counted(final TcpTestServer.Handler handler) {
        return socket -> {
            activeHandlers.incrementAndGet();
            try {
                handler.handle(socket);
            } finally {
                activeHandlers.decrementAndGet();
            }
        };
    }

    /** What the tunnels of the soak did. */
    private static final class Tally {
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger aborted = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
        final ConcurrentLinkedQueue<String> firstFailures = new ConcurrentLinkedQueue<>();

        void fail(final String why) {
            if (failures.incrementAndGet() <= 20) {
                firstFailures.add(why);
            }
        }

        int total() {
            return completed.get() + aborted.get() + failures.get();
        }

        List<String> failureSample() {
            return List.copyOf(firstFailures);
        }

        @Override
        public String toString() {
            return total() + " tunnels: " + completed + " completed and checked (" + (bytes.get() >> 20)
                    + " MiB sent), " + aborted + " aborted on purpose, " + failures + " failed";
        }
    }

    /** The highest figures the relay reported while the soak ran, sampled every second. */
    private static final class Peak {
        volatile int tunnels;
        volatile int threads;
        volatile long heap;

        void sample(final RelayStatus status) {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    final RelayStatus.Figures f = status.read();
                    tunnels = Math.max(tunnels, f.tunnels());
                    threads = Math.max(threads, f.threads());
                    heap = Math.max(heap, f.heapUsedBytes());
                } catch (final RuntimeException | AssertionError e) {
                    // a missed sample: the next one counts
                }
                try {
                    Thread.sleep(1_000);
                } catch (final InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public String toString() {
            return "tunnels=" + tunnels + " threads=" + threads + " heap_used=" + (heap >> 20) + " MiB";
        }
    }
}
