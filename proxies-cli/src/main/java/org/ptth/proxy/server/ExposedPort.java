package org.ptth.proxy.server;

import java.util.ArrayList;
import java.util.List;

/** The listen polls kept open for one exposed port; stopping them leaves its open tunnels alone. */
final class ExposedPort {

    private final Exposure exposure;
    private final List<ListenPoller> pollers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    ExposedPort(final Exposure exposure, final int polls, final java.util.function.Supplier<ListenPoller> factory) {
        this.exposure = exposure;
        for (int i = 1; i <= polls; i++) {
            final ListenPoller poller = factory.get();
            pollers.add(poller);
            final Thread thread = new Thread(poller, "ptth-listen-" + exposure.name() + "-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    Exposure exposure() {
        return exposure;
    }

    void start() {
        threads.forEach(Thread::start);
    }

    void stop() {
        // the pollers interrupt their own threads: the first threads may be running tunnels by now
        pollers.forEach(ListenPoller::stop);
    }
}
