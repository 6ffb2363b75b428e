package org.ptth.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports that were free on 127.0.0.1 a moment ago (the kernel picked them for a socket bound to port 0). */
public final class FreePorts {

    private FreePorts() {
    }

    public static int next() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            probe.setReuseAddress(true);
            return probe.getLocalPort();
        } catch (final IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    /** A port that is free and stays closed: nothing is listening there (for "connection refused" cases). */
    public static int closed() {
        return next();
    }
}
