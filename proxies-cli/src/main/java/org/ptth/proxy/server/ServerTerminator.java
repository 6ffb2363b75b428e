package org.ptth.proxy.server;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

import org.ptth.proxy.relay.RelayClient;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * The server end: keeps {@code polls} listen polls open for every exposed port, so that several
 * clients can connect at once while the pollers that just got a connection call back.
 */
public final class ServerTerminator implements Closeable {

    private final List<ListenPoller> pollers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    public ServerTerminator(final RelayClient relay, final String server, final List<Exposure> exposures,
                            final int polls, final TunnelSettings settings, final ExecutorService pool) {
        final RelayHealth health = new RelayHealth(relay.address().toString());
        final ServerTunnelOpener opener = new ServerTunnelOpener(relay, server, settings, pool);
        for (final Exposure exposure : exposures) {
            for (int i = 1; i <= polls; i++) {
                final ListenPoller poller = new ListenPoller(relay, server, exposure, opener, pool, health);
                pollers.add(poller);
                final Thread thread = new Thread(poller, "ptth-listen-" + exposure.name() + "-" + i);
                thread.setDaemon(true);
                threads.add(thread);
            }
        }
    }

    public void start() {
        threads.forEach(Thread::start);
    }

    /** Blocks while the pollers run, which is until {@link #close()}. */
    public void awaitStop() throws InterruptedException {
        for (final Thread thread : threads) {
            thread.join();
        }
    }

    /** Stops polling; the caller closes the relay client, which cuts the polls still parked. */
    @Override
    public void close() {
        pollers.forEach(ListenPoller::stop);
        threads.forEach(Thread::interrupt);
    }
}
