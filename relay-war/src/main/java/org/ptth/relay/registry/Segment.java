package org.ptth.relay.registry;

import org.ptth.relay.errors.RelayException;

/** The Ptth-Segment header of a segmented upload: more bodies follow, or this one is the last. */
public enum Segment {
    MORE, LAST;

    public static final String HEADER = "Ptth-Segment";

    /** Null when the header is absent (a streaming body). */
    public static Segment parse(final String header) throws RelayException {
        if (header == null) {
            return null;
        }
        return switch (header.strip()) {
            case "more" -> MORE;
            case "last" -> LAST;
            default -> throw RelayException.badRequest(HEADER + " must be 'more' or 'last'");
        };
    }
}
