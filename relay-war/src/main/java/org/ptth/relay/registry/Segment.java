package org.ptth.relay.registry;

import org.ptth.protocol.Headers;
import org.ptth.relay.errors.RelayException;

/**
 * The headers of one segment of a segmented upload: whether more bodies follow, and the segment's
 * place in its direction. A proxy may send a segment twice (its HTTP client retries a call whose
 * answer a broken connection took); the number lets the relay take the copy as done.
 *
 * @param last   whether this body ends the direction
 * @param number 0 for the first segment of a direction, then 1, 2, ...; {@link #UNNUMBERED} when the
 *               proxy sent no number (a proxy from before numbers: its segments are taken in turn)
 */
public record Segment(boolean last, long number) {
    public static final long UNNUMBERED = -1;

    /** Null when the segment header is absent (a streaming body). */
    public static Segment parse(final String header, final String numberHeader) throws RelayException {
        if (header == null) {
            if (numberHeader != null) {
                throw RelayException.badRequest(Headers.SEGMENT_NUMBER + " without " + Headers.SEGMENT);
            }
            return null;
        }
        final boolean last = switch (header.strip()) {
            case Headers.SEGMENT_MORE -> false;
            case Headers.SEGMENT_LAST -> true;
            default -> throw RelayException.badRequest(Headers.SEGMENT + " must be '" + Headers.SEGMENT_MORE
                    + "' or '" + Headers.SEGMENT_LAST + "'");
        };
        if (numberHeader == null) {
            return new Segment(last, UNNUMBERED);
        }
        final String digits = numberHeader.strip();
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw RelayException.badRequest(Headers.SEGMENT_NUMBER + " must be a whole number from 0");
        }
        return new Segment(last, Long.parseLong(digits));
    }
}
