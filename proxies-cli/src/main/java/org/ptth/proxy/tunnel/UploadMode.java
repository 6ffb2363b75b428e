package org.ptth.proxy.tunnel;

import java.util.Locale;

/**
 * How a terminator sends its outgoing direction: one streamed POST for the whole direction, or a
 * sequence of finite POSTs (docs/protocol.md, "Segmented uploads") for reverse proxies that buffer
 * request bodies.
 */
public enum UploadMode {
    STREAM, SEGMENTS;

    /** Parses {@code stream} or {@code segments}, as typed after {@code --upload}. */
    public static UploadMode parse(final String text) {
        for (final UploadMode mode : values()) {
            if (mode.toString().equalsIgnoreCase(text.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("must be stream or segments, not '" + text + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
