package org.ptth.e2e;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.ptth.e2e.harness.AutoCloseables;
import org.ptth.e2e.harness.Chain;
import org.ptth.e2e.harness.FreePorts;
import org.ptth.e2e.harness.ProxyLogs;
import org.ptth.e2e.harness.ProxyProcess;
import org.ptth.e2e.harness.RelayStatus;
import org.ptth.e2e.harness.TcpHandlers;
import org.ptth.e2e.harness.TunnelClient;
import org.ptth.e2e.harness.Waits;

/**
 * A party dies in the middle of a transfer (kill -9 of a proxy, a reset of the TCP server's socket),
 * while bytes flow both ways through one tunnel. What must follow: the relay frees the tunnel's
 * streams (its status endpoint counts the tunnel no more), the TCP end that survives sees its
 * connection close, and the relay's thread count comes back to where it was.
 *
 * <p>One Tomcat for the class; each case starts its own server proxy and client proxy, with a port
 * name of its own, so that a killed proxy (and the parked polls it leaves behind at the relay until
 * Tomcat notices) cannot disturb the next case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FaultsIT {

    private static final String SERVER = "faults-server";
    private static final String CLIENT = "faults-client";
    private static final int HEARTBEAT_SECONDS = 1;
    private static final int CONNECTION_TIMEOUT_MILLIS = 3_000;
    /** Bytes that must have gone each way before the fault, so that it comes in the middle of a transfer. */
    private static final long FLOWING = 2L * 1024 * 1024;
    /** The contract: the relay frees a dead tunnel's streams within this (docs/protocol.md, lifecycle). */
    private static final Duration CONTRACT = Duration.ofSeconds(5);
    /** What the test allows, so that a loaded CI machine does not fail it; the time taken is printed. */
    private static final Duration FREE_UP_BOUND = Duration.ofSeconds(15);
    /** How long the surviving TCP end may see its connection open after the fault. */
    private static final Duration SURVIVOR_BOUND = Duration.ofSeconds(15);
    /**
     * The relay's thread count after a case may exceed the count before it by this much. The relay
     * runs no thread per stream, but Tomcat's connector pool (minSpareThreads 10, maxIdleTime 60 s)
     * may have started a few request threads for the case's calls and keeps them idle for a minute;
     * a leak of a thread per stream shows as more than this.
     */
    private static final int THREAD_SLACK = 5;

    private final BlockingQueue<Socket> handedOver = new LinkedBlockingQueue<>();
    private final AtomicInteger cases = new AtomicInteger();
    private AutoCloseables perCase;
    private Chain chain;
    private RelayStatus status;

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

    /** The relay and the target; the proxies are the cases'. */
    @BeforeAll
    void startRelay() throws IOException {
        chain = Chain.builder(getClass().getSimpleName(), TcpHandlers.handOver(handedOver))
                .names(SERVER, CLIENT)
                .connectionTimeoutMillis(CONNECTION_TIMEOUT_MILLIS)
                .status()
                .heartbeatSeconds(HEARTBEAT_SECONDS)
                .proxyOptions(clientOptions(), serverOptions())
                .startRelay();
        status = chain.status();
    }

    @AfterAll
    void stopRelay() {
        if (chain != null) {
            chain.close();
        }
    }

    @BeforeEach
    void freshCase() {
        perCase = new AutoCloseables();
        handedOver.clear();
    }

    @AfterEach
    void closeCase() {
        perCase.closeAll();
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void killingTheClientProxyFreesTheTunnel() throws Exception {
        final Case c = startCase("kill-client-proxy");
        c.fault = System.nanoTime();
        c.clientProxy.kill();
        c.afterFault(c.serverSide, "the TCP server, after kill -9 of the client proxy", c.serverProxy);
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void killingTheServerProxyFreesTheTunnel() throws Exception {
        final Case c = startCase("kill-server-proxy");
        c.fault = System.nanoTime();
        c.serverProxy.kill();
        c.afterFault(c.clientSide, "the TCP client, after kill -9 of the server proxy", c.clientProxy);
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tcpServerResetFreesTheTunnel() throws Exception {
        final Case c = startCase("reset-tcp-server");
        // SO_LINGER 0 then close: the kernel sends RST, as it does for a process killed mid-stream
        c.serverSide.socket.setSoLinger(true, 0);
        c.fault = System.nanoTime();
        c.serverSide.socket.close();
        c.afterFault(c.clientSide, "the TCP client, after the TCP server's reset", c.clientProxy, c.serverProxy);
    }

    // ---- one case

    /** Starts the case's proxies, opens a tunnel and gets bytes flowing both ways through it. */
    private Case startCase(final String name) throws Exception {
        final Case c = new Case(name + "-" + cases.incrementAndGet());
        c.before = status.read();
        System.out.println(c.name + ": relay before the case: " + c.before);
        c.serverProxy = perCase.add(chain.serverProxy(Map.of(c.name, chain.target().address())));
        final int port = FreePorts.next();
        c.clientProxy = perCase.add(chain.clientProxy(c.name, port));

        final Socket client = perCase.add(TunnelClient.connect(port));
        client.getOutputStream().write("ping\n".getBytes(US_ASCII));
        client.getOutputStream().flush();
        final Socket server = handedOver.poll(60, TimeUnit.SECONDS);
        assertNotNull(server, c.name + ": no connection reached the TCP server within 60 s\n"
                + c.clientProxy.logTail(20) + "\n" + c.serverProxy.logTail(20));
        perCase.add(server);
        server.setSoTimeout(60_000);
        assertEquals("ping\n", new String(server.getInputStream().readNBytes(5), US_ASCII));

        c.clientSide = perCase.add(new End(c.name + "-client", client));
        c.serverSide = perCase.add(new End(c.name + "-server", server));
        Waits.until(c.name + ": " + FLOWING + " bytes each way", Duration.ofSeconds(60),
                () -> c.clientSide.received.get() >= FLOWING && c.serverSide.received.get() >= FLOWING,
                () -> "client got " + c.clientSide.received + ", server got " + c.serverSide.received + "\n"
                        + c.clientProxy.logTail(20) + "\n" + c.serverProxy.logTail(20));
        assertEquals(1, status.read().tunnels() - c.before.tunnels(), c.name + ": the relay counts the tunnel");
        return c;
    }

    /** The proxies, TCP ends and relay figures of one case. */
    private final class Case {
        final String name;
        RelayStatus.Figures before;
        ProxyProcess serverProxy;
        ProxyProcess clientProxy;
        End clientSide;
        End serverSide;
        /** When the fault was made (System.nanoTime()), just before the kill or the reset. */
        long fault;

        Case(final String name) {
            this.name = name;
        }

        /**
         * Right after the fault: the surviving TCP end sees its connection end, the relay counts the
         * tunnel no more, the relay's threads come back, and the surviving proxies did not crash or
         * print stack traces.
         */
        void afterFault(final End survivor, final String what, final ProxyProcess... survivingProxies)
                throws Exception {
            status.awaitTunnels(before.tunnels(), FREE_UP_BOUND.minusNanos(System.nanoTime() - fault));
            final Duration freed = Duration.ofNanos(System.nanoTime() - fault);
            System.out.printf("%s: the relay freed the tunnel %d ms after the fault%s%n", name, freed.toMillis(),
                    freed.compareTo(CONTRACT) > 0 ? " (MORE than the " + CONTRACT.toSeconds() + " s of the contract)"
                            : "");

            final Duration left = SURVIVOR_BOUND.minusNanos(System.nanoTime() - fault);
            assertTrue(survivor.ended.await(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS),
                    () -> what + ": still open " + SURVIVOR_BOUND.toSeconds() + " s after the fault (read "
                            + survivor.received + " bytes)\n" + logTails());
            System.out.printf("%s: closed %d ms after the fault (%s)%n", what,
                    (survivor.endedAt - fault) / 1_000_000, survivor.howEnded);

            final RelayStatus.Figures after = status.awaitThreadsAtMost(before.threads() + THREAD_SLACK,
                    Duration.ofSeconds(30));
            System.out.println(name + ": relay after the case: " + after);

            for (final ProxyProcess proxy : survivingProxies) {
                assertTrue(proxy.isAlive(), () -> proxy + " died\n" + proxy.logTail(40));
                assertEquals(List.of(), ProxyLogs.stackTraceLines(proxy.logText()),
                        proxy + " logged a stack trace\n" + proxy.logTail(60));
            }
        }

        private String logTails() {
            return clientProxy.logTail(20) + "\n" + serverProxy.logTail(20) + "\n" + chain.tomcat().consoleTail(20);
        }
    }

    /**
     * One TCP end of the tunnel, kept busy: a thread writes random bytes until writing fails, another
     * reads until end of stream or an error, and records when and how its connection ended.
     */
    private static final class End implements AutoCloseable {
        final Socket socket;
        final AtomicLong received = new AtomicLong();
        final CountDownLatch ended = new CountDownLatch(1);
        volatile long endedAt;
        volatile String howEnded;

        End(final String name, final Socket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout(0);   // the test bounds the wait, not the socket
            final OutputStream out = socket.getOutputStream();
            final InputStream in = socket.getInputStream();
            daemon(name + "-writer", () -> {
                final SplittableRandom random = new SplittableRandom(name.hashCode());
                final byte[] buffer = new byte[16 * 1024];
                try {
                    while (true) {
                        random.nextBytes(buffer);
                        out.write(buffer);
                    }
                } catch (final IOException e) {
                    // the connection is gone: the reader says how
                }
            });
            daemon(name + "-reader", () -> {
                final byte[] buffer = new byte[64 * 1024];
                try {
                    for (int n; (n = in.read(buffer)) != -1; ) {
                        received.addAndGet(n);
                    }
                    howEnded = "end of stream";
                } catch (final IOException e) {
                    howEnded = e.toString();
                }
                endedAt = System.nanoTime();
                ended.countDown();
            });
        }

        private static void daemon(final String name, final Runnable body) {
            final Thread t = new Thread(body, name);
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
