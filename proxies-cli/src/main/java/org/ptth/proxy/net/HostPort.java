package org.ptth.proxy.net;

import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/** A {@code HOST:PORT} pair as typed on the command line; IPv6 hosts go in brackets. */
public record HostPort(String host, int port) {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Parses {@code HOST:PORT}, {@code [V6]:PORT}, or a bare {@code PORT} with the given default host. */
    public static HostPort parse(final String text, final String defaultHost) {
        final String hostPart;
        final String portPart;
        final int colon = text.lastIndexOf(':');
        if (colon < 0) {
            if (defaultHost == null) {
                throw new IllegalArgumentException("'" + text + "' is not HOST:PORT");
            }
            hostPart = defaultHost;
            portPart = text;
        } else {
            final String raw = text.substring(0, colon);
            hostPart = raw.startsWith("[") && raw.endsWith("]") ? raw.substring(1, raw.length() - 1) : raw;
            portPart = text.substring(colon + 1);
        }
        if (hostPart.isEmpty() || (colon >= 0 && hostPart.contains(":") && !text.startsWith("["))) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (put an IPv6 address in brackets)");
        }
        final int port;
        try {
            port = Integer.parseInt(portPart);
        } catch (final NumberFormatException notNumber) {
            throw new IllegalArgumentException("'" + text + "' has no valid port number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "' has a port outside 0-65535");
        }
        return new HostPort(hostPart, port);
    }

    /**
     * Whether {@link #toAddress()} needs no name server: an IPv4 or IPv6 literal, or localhost (the
     * hosts file). Anything else may wait seconds for DNS.
     */
    public boolean resolvesLocally() {
        return host.contains(":") || IPV4.matcher(host).matches() || host.equalsIgnoreCase("localhost");
    }

    public InetSocketAddress toAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
