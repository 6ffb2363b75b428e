package org.ptth.proxy.tunnel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The pool that runs tunnel pumps: cached, so an idle thread serves the next tunnel. */
public final class TunnelThreads {

    private TunnelThreads() {
    }

    public static ExecutorService newPool() {
        return Executors.newCachedThreadPool(named("ptth-tunnel-"));
    }

    /** Daemon threads with a counter in their name: a stuck tunnel never keeps the JVM alive. */
    public static ThreadFactory named(final String prefix) {
        final AtomicInteger counter = new AtomicInteger();
        return task -> {
            final Thread thread = new Thread(task, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
