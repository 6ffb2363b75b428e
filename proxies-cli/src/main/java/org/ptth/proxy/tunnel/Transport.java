package org.ptth.proxy.tunnel;

import java.util.Locale;

/**
 * How a terminator carries its tunnels: inside one long-lived WebSocket connection to the relay
 * (mux, docs/protocol.md "The multiplexed transport"), four exchanges per tunnel (connect or accept
 * for the incoming direction, upstream or downstream for the outgoing one), two duplex exchanges
 * whose request body carries the outgoing direction while their response carries the incoming one
 * (docs/protocol.md, "Duplex mode"), or auto: mux where the path to the relay passes WebSocket,
 * else four-stream.
 */
public enum Transport {
    AUTO, MUX, FOUR_STREAM, DUPLEX;

    /** What the proxies use unless told otherwise: mux wherever the path to the relay passes it. */
    public static final Transport DEFAULT = AUTO;

    /** Parses {@code auto}, {@code mux}, {@code four-stream} or {@code duplex}, as typed after {@code --transport}. */
    public static Transport parse(final String text) {
        for (final Transport transport : values()) {
            if (transport.toString().equalsIgnoreCase(text.trim())) {
                return transport;
            }
        }
        throw new IllegalArgumentException("must be auto, mux, four-stream or duplex, not '" + text + "'");
    }

    /** Whether the proxy tries the mux connection: auto or mux. */
    public boolean triesMux() {
        return this == AUTO || this == MUX;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
