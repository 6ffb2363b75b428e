package org.ptth.proxy.relayclient;

import org.ptth.protocol.Endpoints;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** The relay's base URL, with or without its trailing slash, and the endpoint URLs below it. */
public final class RelayAddress {

    private final URI base;

    private RelayAddress(final URI base) {
        this.base = base;
    }

    /** Parses a base URL such as {@code http://host:8080/ptth-relay/}; the path may lack its final slash. */
    public static RelayAddress parse(final String text) {
        final URI uri;
        try {
            uri = new URI(text);
        } catch (final URISyntaxException bad) {
            throw new IllegalArgumentException("relay URL " + text + " is not a URL: " + bad.getReason());
        }
        final String scheme = uri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("relay URL " + text + " must start with http:// or https://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("relay URL " + text + " has no host");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("relay URL " + text + " must not have a query or fragment");
        }
        final String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        final String withSlash = path.endsWith("/") ? path : path + "/";
        return new RelayAddress(URI.create(scheme.toLowerCase(Locale.ROOT) + "://"
                + uri.getRawAuthority() + withSlash));
    }

    /** {@code BASE v1/{server}/{verb}/{arg}}; the parts are already checked protocol names or IDs. */
    public URI endpoint(final String server, final String verb, final String arg) {
        return base.resolve(Endpoints.path(server, verb, arg));
    }

    /** {@code ws://} or {@code wss://} {@code BASE v1/{server}/mux}: the mux transport's upgrade. */
    public URI muxEndpoint(final String server) {
        final String url = base.resolve(Endpoints.muxPath(server)).toString();
        return URI.create(("https".equals(base.getScheme()) ? "wss" : "ws") + url.substring(url.indexOf(':')));
    }

    public URI base() {
        return base;
    }

    /**
     * Whether every call would show the key to the network: plain HTTP to anything but this machine
     * (a reverse proxy on the same host, which terminates TLS for the outside, is fine).
     */
    public boolean sendsKeysInClear() {
        if (!"http".equals(scheme())) {
            return false;
        }
        final String host = base.getHost().toLowerCase(Locale.ROOT);
        return !(host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.")
                || host.equals("[::1]") || host.equals("::1"));
    }

    /** {@code http} or {@code https}. */
    public String scheme() {
        return base.getScheme();
    }

    @Override
    public String toString() {
        return base.toString();
    }
}
