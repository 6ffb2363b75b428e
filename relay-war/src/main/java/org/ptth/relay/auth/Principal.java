package org.ptth.relay.auth;

import java.util.Objects;

/**
 * Who calls: a server or a client, by the name the relay configuration gives it.
 * The key hash is part of the identity, so that a changed key is a different principal.
 */
public final class Principal {
    public enum Kind { SERVER, CLIENT }

    private final Kind kind;
    private final String name;
    private final String keyHash;

    public Principal(final Kind kind, final String name, final String keyHash) {
        this.kind = Objects.requireNonNull(kind);
        this.name = Objects.requireNonNull(name);
        this.keyHash = Objects.requireNonNull(keyHash);
    }

    public Kind kind() {
        return kind;
    }

    public String name() {
        return name;
    }

    public String keyHash() {
        return keyHash;
    }

    public boolean isServer() {
        return kind == Kind.SERVER;
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof Principal p && p.kind == kind && p.name.equals(name) && p.keyHash.equals(keyHash);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, name, keyHash);
    }

    @Override
    public String toString() {
        return (kind == Kind.SERVER ? "server " : "client ") + name;
    }
}
