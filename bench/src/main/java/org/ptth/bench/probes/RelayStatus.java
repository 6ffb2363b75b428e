package org.ptth.bench.probes;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The relay's status endpoint (tunnels, parked_polls, threads, heap_used_bytes), read with the admin key. */
public final class RelayStatus {

    private final URI base;
    private final String adminKey;

    public RelayStatus(final URI base, final String adminKey) {
        this.base = base;
        this.adminKey = adminKey;
    }

    /** The status figures; {@code gc} asks the relay to run a full GC first. */
    public Map<String, Long> read(final boolean gc) throws IOException {
        final HttpURLConnection c = (HttpURLConnection) base.resolve(gc ? "status?gc=1" : "status").toURL()
                .openConnection();
        try {
            c.setRequestMethod("POST");
            c.setRequestProperty("Authorization", "Bearer " + adminKey);
            c.setConnectTimeout(5_000);
            c.setReadTimeout(60_000);
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(0);
            c.getOutputStream().close();
            final int status = c.getResponseCode();
            final InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
            final String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
            if (status != 200) {
                throw new IOException("the relay's status endpoint answered " + status + ": " + text.trim());
            }
            return parse(text);
        } finally {
            c.disconnect();
        }
    }

    /** "key=value" lines with whole numbers; other lines are left out. */
    static Map<String, Long> parse(final String text) {
        final Map<String, Long> values = new HashMap<>();
        text.lines().map(l -> l.split("=", 2)).filter(kv -> kv.length == 2 && kv[1].trim().matches("-?\\d+"))
                .forEach(kv -> values.put(kv[0].trim(), Long.parseLong(kv[1].trim())));
        return values;
    }

    public long get(final boolean gc, final String key) throws IOException {
        final Long v = read(gc).get(key);
        if (v == null) {
            throw new IOException("the relay's status has no " + key);
        }
        return v;
    }
}
