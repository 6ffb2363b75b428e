package org.ptth.relay.hostile;

import org.ptth.relay.support.RawHttp;
import org.ptth.relay.auth.KeyHashes;
import org.ptth.relay.support.ChunkedUpload;
import org.ptth.relay.support.EmbeddedRelay;
import org.ptth.relay.support.RelayCalls;

import java.io.IOException;

/**
 * What every hostile test class runs against: the embedded relay with two more clients, a log
 * handler that catches SEVERE records, and a guard tunnel moving bytes all along.
 *
 * <ul>
 *   <li>{@code cli} ({@link EmbeddedRelay#CLIENT_KEY}) and {@code cli2} ({@link #CLI2_KEY}) may reach every port of srv;</li>
 *   <li>{@code narrow} ({@link #NARROW_KEY}) may reach srv/ssh only.</li>
 * </ul>
 */
final class HostileRelay implements AutoCloseable {
    static final String CLI2_KEY = "c0ffee1234567890fedcba0987654321c0ffee1234567890fedcba0987654321";
    static final String NARROW_KEY = "9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877665544";

    private final EmbeddedRelay relay;
    private final RelayCalls calls;
    private final SevereLog log;
    private GuardTunnel guard;

    private HostileRelay(final EmbeddedRelay relay, final SevereLog log) {
        this.relay = relay;
        this.calls = new RelayCalls(relay.baseUrl());
        this.log = log;
    }

    static String clientsConfig() {
        return "client.cli2.key-sha256=" + KeyHashes.sha256Hex(CLI2_KEY) + "\n"
                + "client.cli2.allow=srv\n"
                + "client.narrow.key-sha256=" + KeyHashes.sha256Hex(NARROW_KEY) + "\n"
                + "client.narrow.allow=srv/ssh\n";
    }

    /** Starts the relay with the extra settings, attaches the log handler, opens the guard tunnel. */
    static HostileRelay start(final String extraConfig) throws Exception {
        final SevereLog log = SevereLog.attach();
        log.selfCheck();
        final HostileRelay h = new HostileRelay(new EmbeddedRelay(clientsConfig() + extraConfig), log);
        h.guard = GuardTunnel.start(h, EmbeddedRelay.CLIENT_KEY);
        log.assertNoneAndClear("the start of the relay and the guard tunnel");
        return h;
    }

    RelayCalls calls() {
        return calls;
    }

    GuardTunnel guard() {
        return guard;
    }

    SevereLog log() {
        return log;
    }

    int port() {
        return relay.port();
    }

    java.util.Map<String, Long> status() throws IOException, InterruptedException {
        return relay.status();
    }

    /** The absolute request path of a relay path such as {@code v1/srv/listen/ssh}. */
    static String path(final String relative) {
        return "/relay/" + relative;
    }

    ChunkedUpload upload(final String key, final String relative) throws IOException {
        return new ChunkedUpload(relay.port(), path(relative), key);
    }

    RawHttp.Response post(final String relative, final String key) throws IOException {
        return RawHttp.send(relay.port(), RawHttp.post(path(relative), key));
    }

    RawHttp.Response send(final String request) throws IOException {
        return RawHttp.send(relay.port(), request);
    }

    /**
     * What every hostile class ends with, whatever order its tests ran in: the guard tunnel, which ran
     * through all of them, ends and every byte of it arrived; then the relay stops.
     */
    void finishGuardAndClose() throws Exception {
        try {
            guard.finishAndAssertIntact();
        } finally {
            close();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            relay.close();
        } finally {
            log.detach();
        }
    }
}
