package org.ptth.proxy.tunnel;

import java.util.concurrent.CompletableFuture;

/** A tunnel a terminator has open, whatever carries it: what a shutdown waits for, and what it cuts. */
public interface LiveTunnel {

    /** Completes when the tunnel is over. */
    CompletableFuture<TunnelOutcome> outcome();

    /** Ends the tunnel at once: its TCP connection is reset. */
    void abort(String reason);
}
