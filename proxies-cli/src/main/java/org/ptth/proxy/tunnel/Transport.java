package org.ptth.proxy.tunnel;

import java.util.Locale;

/**
 * How a terminator carries a tunnel's two directions: four exchanges (connect or accept for the
 * incoming direction, upstream or downstream for the outgoing one), or two duplex exchanges whose
 * request body carries the outgoing direction while their response carries the incoming one
 * (docs/protocol.md, "Duplex mode").
 */
public enum Transport {
    FOUR_STREAM, DUPLEX;

    /** Parses {@code four-stream} or {@code duplex}, as typed after {@code --transport}. */
    public static Transport parse(final String text) {
        for (final Transport transport : values()) {
            if (transport.toString().equalsIgnoreCase(text.trim())) {
                return transport;
            }
        }
        throw new IllegalArgumentException("must be four-stream or duplex, not '" + text + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
