package org.ptth.proxy.mux;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.ptth.proxy.tunnel.TunnelThreads;

/**
 * The executor of the JDK's WebSocket client. The client reads the connection on its selector thread
 * and then hands each message to its executor, which calls the listener: a thread wake-up per
 * message, on the path of every round trip. The listener never blocks (it writes to non-blocking
 * sockets and queues frames), so a task handed over from the selector thread runs right there, as
 * the bytes it carries arrived. Any other task (the opening handshake, started by the proxy's own
 * threads) goes to a small pool.
 */
final class ClientExecutor implements Executor, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ClientExecutor.class.getName());
    /**
     * How the JDK names its selector thread (HttpClient-N-SelectorManager). Were that to change,
     * every task would go to the pool: slower, never wrong.
     */
    private static final String SELECTOR_THREAD_SUFFIX = "-SelectorManager";

    private final ExecutorService pool = Executors.newFixedThreadPool(2, TunnelThreads.named("ptth-mux-io-"));

    @Override
    public void execute(final Runnable task) {
        if (!onSelectorThread()) {
            pool.execute(task);
            return;
        }
        try {
            task.run();
        } catch (final RuntimeException failed) {
            // as a pool thread would: the task's own future reports it; the selector thread goes on
            LOG.log(Level.WARNING, "WebSocket client task failed: " + failed, failed);
        }
    }

    static boolean onSelectorThread() {
        return Thread.currentThread().getName().endsWith(SELECTOR_THREAD_SUFFIX);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
