package org.ptth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Ports that were free on 127.0.0.1 a moment ago (the kernel picked them for a socket bound to port 0). */
public final class FreePorts {

    private FreePorts() {
    }

    /**
     * Every port handed out in this run: one handed out but not yet bound (a front or a proxy that
     * starts later) is free to the kernel and could otherwise be handed out again, to a second
     * listener that then cannot bind it (ScaleOutIT: a client proxy on nginx's port).
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    public static int next() {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                probe.setReuseAddress(true);
                if (HANDED_OUT.add(probe.getLocalPort())) {
                    return probe.getLocalPort();
                }
            } catch (final IOException e) {
                throw new UncheckedIOException("no free port on 127.0.0.1", e);
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1 that this run has not handed out already");
    }

    /** A port that is free and stays closed: nothing is listening there (for "connection refused" cases). */
    public static int closed() {
        return next();
    }
}
