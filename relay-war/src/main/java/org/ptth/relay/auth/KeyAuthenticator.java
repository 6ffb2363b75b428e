package org.ptth.relay.auth;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Finds the principal of a bearer key. The key is hashed and compared with every configured hash
 * in constant time, without stopping at the first match, so timing reveals neither which hash
 * matched nor how much of it.
 */
public final class KeyAuthenticator {
    private static final String BEARER = "Bearer ";

    private final List<byte[]> hashes = new ArrayList<>();
    private final List<Principal> principals = new ArrayList<>();

    public KeyAuthenticator(final Iterable<Principal> known) {
        for (final Principal p : known) {
            hashes.add(HexFormat.of().parseHex(p.keyHash()));
            principals.add(p);
        }
    }

    /** The principal for an {@code Authorization} header value, or empty for a missing or unknown key. */
    public Optional<Principal> authenticate(final String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        final String key = authorizationHeader.substring(BEARER.length()).strip();
        if (key.isEmpty() || key.length() > 512) {
            return Optional.empty();
        }
        final byte[] presented = KeyHashes.sha256(key);
        Principal found = null;
        for (int i = 0; i < hashes.size(); i++) {
            if (MessageDigest.isEqual(presented, hashes.get(i)) && found == null) {
                found = principals.get(i);
            }
        }
        return Optional.ofNullable(found);
    }
}
