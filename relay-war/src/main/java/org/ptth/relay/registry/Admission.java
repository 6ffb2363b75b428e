package org.ptth.relay.registry;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one tunnel holds against the relay's limits: a slot among its client's tunnels, and, until
 * it opens, one among its server's pending connects. Each slot is given back once, whichever way
 * and however often the tunnel says it is done with it.
 */
final class Admission {
    private final AtomicInteger tunnelsOfClient;
    private final AtomicInteger pendingOfServer;
    private final AtomicBoolean pendingHeld = new AtomicBoolean(true);
    private final AtomicBoolean tunnelHeld = new AtomicBoolean(true);

    /** Both counters already count this tunnel. */
    Admission(final AtomicInteger tunnelsOfClient, final AtomicInteger pendingOfServer) {
        this.tunnelsOfClient = tunnelsOfClient;
        this.pendingOfServer = pendingOfServer;
    }

    /** The tunnel no longer waits for its server (it opened, or ended). */
    void leavePending() {
        if (pendingHeld.compareAndSet(true, false)) {
            pendingOfServer.decrementAndGet();
        }
    }

    /** The tunnel is over: both slots back. */
    void release() {
        leavePending();
        if (tunnelHeld.compareAndSet(true, false)) {
            tunnelsOfClient.decrementAndGet();
        }
    }
}
