package org.ptth.proxy.relayclient;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.hc.core5.http.HttpHost;

/**
 * The corporate HTTP proxy, if any, between a terminator and the relay: from {@code --http-proxy},
 * else from {@code https_proxy} / {@code http_proxy} (lower case first, as curl does) for the
 * relay's scheme, minus the hosts {@code no_proxy} lists.
 *
 * @param proxy   the proxy, or null to go direct
 * @param noProxy host suffixes (lower case, no leading dot) or {@code *} that go direct
 */
public record HttpProxySetting(HttpHost proxy, List<String> noProxy) {

    public static final HttpProxySetting DIRECT = new HttpProxySetting(null, List.of());

    /**
     * @param flag        the {@code --http-proxy} value, or null; {@code none} means direct, and a
     *                    proxy given here is used for the relay whatever {@code no_proxy} says
     * @param relayScheme {@code http} or {@code https}: picks {@code http_proxy} or {@code https_proxy}
     * @param env         the environment
     */
    public static HttpProxySetting resolve(final String flag, final String relayScheme, final Map<String, String> env) {
        if (flag != null) {
            return flag.trim().equalsIgnoreCase("none")
                    ? DIRECT
                    : new HttpProxySetting(parseProxy(flag.trim(), "--http-proxy"), List.of());
        }
        final String name = "https".equalsIgnoreCase(relayScheme) ? "https_proxy" : "http_proxy";
        final String[] found = firstSet(env, name);
        if (found == null) {
            return DIRECT;
        }
        final String[] noProxy = firstSet(env, "no_proxy");
        return new HttpProxySetting(parseProxy(found[1], found[0]), parseNoProxy(noProxy == null ? "" : noProxy[1]));
    }

    /** The proxy to use for a connection to {@code host}, or null to go direct. */
    public HttpHost proxyFor(final String host) {
        if (proxy == null) {
            return null;
        }
        final String target = stripBrackets(host.toLowerCase(Locale.ROOT));
        for (final String entry : noProxy) {
            if (entry.equals("*") || target.equals(entry) || target.endsWith("." + entry)) {
                return null;
            }
        }
        return proxy;
    }

    @Override
    public String toString() {
        return proxy == null ? "direct" : "via HTTP proxy " + proxy.toURI();
    }

    static List<String> parseNoProxy(final String text) {
        final List<String> entries = new ArrayList<>();
        for (final String raw : text.split(",")) {
            String entry = raw.trim().toLowerCase(Locale.ROOT);
            if (entry.startsWith("*.")) {
                entry = entry.substring(2);
            } else if (entry.startsWith(".")) {
                entry = entry.substring(1);
            }
            entry = stripBrackets(stripPort(entry));
            if (!entry.isEmpty()) {
                entries.add(entry);
            }
        }
        return List.copyOf(entries);
    }

    private static HttpHost parseProxy(final String text, final String source) {
        final String withScheme = text.contains("://") ? text : "http://" + text;
        final URI uri;
        try {
            uri = new URI(withScheme);
        } catch (final URISyntaxException bad) {
            throw new IllegalArgumentException(source + " '" + text + "' is not a proxy URL: " + bad.getReason());
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException(source + " '" + text + "': only http:// proxies are supported");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(source + " '" + text + "' has no host");
        }
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException(source + " '" + text + "': proxy credentials are not supported");
        }
        return new HttpHost("http", uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort());
    }

    /** {@code {name, value}} of the lower- or else upper-case variable, if set and not blank. */
    private static String[] firstSet(final Map<String, String> env, final String lowerName) {
        for (final String name : new String[] {lowerName, lowerName.toUpperCase(Locale.ROOT)}) {
            final String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return new String[] {name, value.trim()};
            }
        }
        return null;
    }

    private static String stripPort(final String entry) {
        final int colon = entry.lastIndexOf(':');
        final boolean bracketedV6 = entry.startsWith("[");
        if (colon > 0 && (bracketedV6 ? entry.lastIndexOf(']') < colon : entry.indexOf(':') == colon)) {
            return entry.substring(0, colon);
        }
        return entry;
    }

    private static String stripBrackets(final String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
