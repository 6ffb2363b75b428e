package org.ptth.relay.arquillian;

import org.ptth.relay.auth.KeyHashes;

/**
 * The principals of the integration tests' relay: servers srv and other; client cli may reach every
 * port of srv, client narrow only srv/ssh.
 */
public final class TestPrincipals {
    public static final String SRV = "5b1c0f7e2a9d48e3b6c4a1f0d9e8c7b65b1c0f7e2a9d48e3b6c4a1f0d9e8c7b6";
    public static final String OTHER = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    public static final String CLI = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    public static final String NARROW = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    /** Well formed, but in no configuration. */
    public static final String STRANGER = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef";

    private TestPrincipals() {
    }

    public static String config(final String settings) {
        return "server.srv.key-sha256=" + KeyHashes.sha256Hex(SRV) + "\n"
                + "server.other.key-sha256=" + KeyHashes.sha256Hex(OTHER) + "\n"
                + "client.cli.key-sha256=" + KeyHashes.sha256Hex(CLI) + "\n"
                + "client.cli.allow=srv\n"
                + "client.narrow.key-sha256=" + KeyHashes.sha256Hex(NARROW) + "\n"
                + "client.narrow.allow=srv/ssh\n"
                + settings;
    }
}
