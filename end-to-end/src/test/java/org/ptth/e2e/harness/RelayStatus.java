package org.ptth.e2e.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The relay's status endpoint ({@code POST BASE status} with the admin key, see docs/protocol.md):
 * live tunnels, parked polls, the JVM's threads and used heap. {@link #enable(RelayConfig)} makes an
 * admin key and puts its hash in the configuration, before Tomcat starts.
 */
public final class RelayStatus {

    private static final int TIMEOUT_MILLIS = 10_000;

    /** What one call to the status endpoint answered. */
    public record Figures(int tunnels, int parkedPolls, int threads, long heapUsedBytes) {

        @Override
        public String toString() {
            return "tunnels=" + tunnels + " parked_polls=" + parkedPolls + " threads=" + threads
                    + " heap_used=" + (heapUsedBytes >> 20) + " MiB";
        }
    }

    private final URI endpoint;
    private final String adminKey;

    public RelayStatus(final URI relayBase, final String adminKey) {
        this.endpoint = relayBase.resolve("status");
        this.adminKey = adminKey;
    }

    /**
     * Makes a random admin key (64 lowercase hex characters, like a key file) and appends
     * {@code admin.key-sha256=HASH} to {@code config}; returns the key.
     */
    public static String enable(final RelayConfig config) throws IOException {
        final byte[] bits = new byte[32];
        new SecureRandom().nextBytes(bits);
        final String key = HexFormat.of().formatHex(bits);
        final String hash = HexFormat.of().formatHex(Transfer.sha256(key.getBytes(StandardCharsets.US_ASCII)));
        config.set("admin.key-sha256", hash);
        return key;
    }

    public Figures read() {
        return call(endpoint);
    }

    /** The figures after a garbage collection in the relay's JVM ({@code ?gc=1}). */
    public Figures readAfterGc() {
        return call(URI.create(endpoint + "?gc=1"));
    }

    /**
     * Polls until the relay holds {@code expected} tunnels; returns how long that took. Fails after
     * {@code within}, with the last figures.
     */
    public Duration awaitTunnels(final int expected, final Duration within) {
        final long start = System.nanoTime();
        final Figures[] last = {null};
        Waits.until("the relay's tunnel count to be " + expected, within, () -> {
            last[0] = read();
            return last[0].tunnels() == expected;
        }, () -> "last status: " + last[0]);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Polls until the relay's JVM runs at most {@code max} threads; returns the figures then. */
    public Figures awaitThreadsAtMost(final int max, final Duration within) {
        final Figures[] last = {null};
        Waits.until("the relay's thread count to be at most " + max, within, () -> {
            last[0] = read();
            return last[0].threads() <= max;
        }, () -> "last status: " + last[0]);
        return last[0];
    }

    private Figures call(final URI uri) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection();
            c.setRequestMethod("POST");
            c.setConnectTimeout(TIMEOUT_MILLIS);
            c.setReadTimeout(TIMEOUT_MILLIS);
            c.setRequestProperty("Authorization", "Bearer " + adminKey);
            c.setDoOutput(true);
            c.getOutputStream().close();
            final int status = c.getResponseCode();
            if (status != 200) {
                throw new AssertionError("POST " + uri + " answered " + status + " " + errorText(c));
            }
            final String body;
            try (InputStream in = c.getInputStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return parse(body);
        } catch (final IOException e) {
            throw new UncheckedIOException("POST " + uri + " failed", e);
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    static Figures parse(final String body) {
        final Map<String, String> values = new HashMap<>();
        body.lines().map(String::strip).filter(l -> l.contains("=")).forEach(l -> {
            final int eq = l.indexOf('=');
            values.put(l.substring(0, eq), l.substring(eq + 1));
        });
        try {
            return new Figures(Integer.parseInt(values.get("tunnels")), Integer.parseInt(values.get("parked_polls")),
                    Integer.parseInt(values.get("threads")), Long.parseLong(values.get("heap_used_bytes")));
        } catch (final RuntimeException e) {
            throw new AssertionError("unexpected status body:\n" + body, e);
        }
    }

    private static String errorText(final HttpURLConnection c) {
        try (InputStream err = c.getErrorStream()) {
            return err == null ? "" : new String(err.readNBytes(500), StandardCharsets.UTF_8).strip();
        } catch (final IOException e) {
            return "";
        }
    }
}
