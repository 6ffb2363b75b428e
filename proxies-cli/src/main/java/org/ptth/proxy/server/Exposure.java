package org.ptth.proxy.server;

import org.ptth.protocol.Names;
import org.ptth.proxy.net.HostPort;

/** One exposed port: the name clients ask for, and the only TCP target it ever leads to. */
public record Exposure(String name, HostPort target) {

    /** Parses {@code NAME=HOST:PORT}. */
    public static Exposure parse(final String text) {
        final int equals = text.indexOf('=');
        if (equals < 0) {
            throw new IllegalArgumentException("'" + text + "' is not NAME=HOST:PORT");
        }
        final String name = text.substring(0, equals);
        if (!Names.isValid(name)) {
            throw new IllegalArgumentException("'" + text + "': the port name " + Names.problem(name));
        }
        final HostPort target = HostPort.parse(text.substring(equals + 1), null);
        if (target.port() == 0) {
            throw new IllegalArgumentException("'" + text + "': port 0 cannot be a target");
        }
        return new Exposure(name, target);
    }
}
