package org.ptth.relay.registry;

import java.security.SecureRandom;
import java.util.Base64;

/** Connection IDs: 192 random bits as 32 base64url characters, unguessable and never reused. */
public final class ConnectionIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ConnectionIds() {
    }

    public static String next() {
        final byte[] bits = new byte[24];
        RANDOM.nextBytes(bits);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }
}
