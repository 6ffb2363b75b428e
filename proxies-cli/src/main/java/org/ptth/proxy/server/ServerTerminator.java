package org.ptth.proxy.server;

import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;

import org.ptth.proxy.relayclient.RelayClient;
import org.ptth.proxy.tunnel.LiveTunnels;
import org.ptth.proxy.tunnel.TunnelSettings;

/**
 * The server end: keeps {@code polls} listen polls open for every exposed port, so that several
 * clients can connect at once while the pollers that just got a connection call back. The set of
 * exposed ports can change while it runs ({@link #update}); open tunnels are never dropped by that.
 */
public final class ServerTerminator implements Closeable {

    private final RelayClient relay;
    private final String server;
    private final int polls;
    private final ExecutorService pool;
    private final RelayHealth health;
    private final ServerTunnelOpener opener;
    private final LiveTunnels live = new LiveTunnels();
    private final Map<String, ExposedPort> ports = new LinkedHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean started;

    public ServerTerminator(final RelayClient relay, final String server, final List<Exposure> exposures,
                            final int polls, final TunnelSettings settings, final ExecutorService pool) {
        this.relay = relay;
        this.server = server;
        this.polls = polls;
        this.pool = pool;
        this.health = new RelayHealth(relay.address().toString());
        this.opener = new ServerTunnelOpener(relay, server, settings, pool, live);
        for (final Exposure exposure : exposures) {
            ports.put(exposure.name(), newPort(exposure));
        }
    }

    public synchronized void start() {
        started = true;
        ports.values().forEach(ExposedPort::start);
    }

    /**
     * Makes the exposed ports these: new names start polling, removed names stop (their open
     * tunnels go on), a name with a new target is replaced.
     *
     * @return what changed, in words, e.g. {@code added db -> 127.0.0.1:5432; removed web}, or
     *         {@code no change}
     */
    public synchronized String update(final List<Exposure> exposures) {
        if (stopped.getCount() == 0) {
            return "no change (stopping)";
        }
        final List<String> added = new ArrayList<>();
        final List<String> removed = new ArrayList<>();
        final Map<String, Exposure> wanted = new LinkedHashMap<>();
        exposures.forEach(exposure -> wanted.put(exposure.name(), exposure));
        for (final ExposedPort port : new ArrayList<>(ports.values())) {
            final Exposure now = wanted.get(port.exposure().name());
            if (now == null || !now.equals(port.exposure())) {
                port.stop();
                ports.remove(port.exposure().name());
                removed.add(port.exposure().name() + " -> " + port.exposure().target());
            }
        }
        for (final Exposure exposure : wanted.values()) {
            if (!ports.containsKey(exposure.name())) {
                final ExposedPort port = newPort(exposure);
                ports.put(exposure.name(), port);
                if (started) {
                    port.start();
                }
                added.add(exposure.name() + " -> " + exposure.target());
            }
        }
        if (added.isEmpty() && removed.isEmpty()) {
            return "no change";
        }
        final StringBuilder change = new StringBuilder();
        if (!added.isEmpty()) {
            change.append("added ").append(String.join(", ", added));
        }
        if (!removed.isEmpty()) {
            change.append(added.isEmpty() ? "" : "; ").append("removed ").append(String.join(", ", removed));
        }
        return change.toString();
    }

    /** The exposures polled now. */
    public synchronized List<Exposure> exposures() {
        final List<Exposure> list = new ArrayList<>();
        ports.values().forEach(port -> list.add(port.exposure()));
        return list;
    }

    /** Blocks until {@link #stopPolling()} or {@link #close()}. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops every listen poll: no new connections come; open tunnels go on. */
    public synchronized void stopPolling() {
        ports.values().forEach(ExposedPort::stop);
        stopped.countDown();
    }

    /** The tunnels open now, whatever carries them. */
    public LiveTunnels live() {
        return live;
    }

    /** How many tunnels are open now. */
    public int openTunnels() {
        return live.count();
    }

    /**
     * Lets the open tunnels finish within the grace period, then cuts those left.
     *
     * @return how many had to be cut
     */
    public int drain(final Duration grace) throws InterruptedException {
        return live.drain(grace);
    }

    /** Stops polling; the caller closes the relay client, which cuts whatever is still open. */
    @Override
    public void close() {
        stopPolling();
    }

    private ExposedPort newPort(final Exposure exposure) {
        return new ExposedPort(exposure, polls, () -> new ListenPoller(relay, server, exposure, opener, pool, health));
    }
}
