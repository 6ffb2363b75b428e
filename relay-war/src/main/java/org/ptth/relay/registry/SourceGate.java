package org.ptth.relay.registry;

import org.ptth.relay.errors.RelayException;

/**
 * Which request bodies one direction of a tunnel still takes: a single streaming body, or
 * segments one at a time (segmented uploads), the last of which closes the gate. Numbered segments
 * must come in order; the copy of the segment just relayed is recognised as a repeat.
 */
public final class SourceGate {
    /** What becomes of a segment that knocks. */
    public enum Admission {
        /** Relay it. */
        ADMITTED,
        /** A copy of the segment last relayed, which is done: answer it as done, relay nothing. */
        REPEAT,
        /** Not now or never: the previous one is still in flight, the last has come, or out of order. */
        REFUSED
    }

    private boolean closed;
    private boolean inFlight;
    private boolean used;
    /** The number the next numbered segment must carry. */
    private long next;

    /**
     * A body for this direction, a streaming one ({@code segment} null) or one segment: admitted or a
     * repeat, else a 409 that says why not. {@code ended}: the direction is over, so that a segment
     * refused is one too many rather than one out of turn.
     */
    public Admission admit(final Segment segment, final boolean ended) throws RelayException {
        final Admission admission = segment == null
                ? (admitStream() ? Admission.ADMITTED : Admission.REFUSED)
                : admitSegment(segment);
        if (admission == Admission.REFUSED) {
            throw RelayException.conflict(segment == null || ended
                    ? "connection id already used on this endpoint"
                    : "segment out of turn: the previous one is still in flight, the last one was sent,"
                    + " or a number was skipped");
        }
        return admission;
    }

    public synchronized boolean admitStream() {
        if (closed || inFlight) {
            return false;
        }
        closed = true;
        used = true;
        return true;
    }

    public synchronized Admission admitSegment(final Segment segment) {
        final long number = segment.number();
        if (number != Segment.UNNUMBERED && number == next - 1 && !inFlight) {
            return Admission.REPEAT;
        }
        if (closed || inFlight || (number != Segment.UNNUMBERED && number != next)) {
            return Admission.REFUSED;
        }
        inFlight = true;
        closed = segment.last();
        used = true;
        next++;
        return Admission.ADMITTED;
    }

    /** Whether any body, streaming or a segment, has come for this direction. */
    public synchronized boolean used() {
        return used;
    }

    public synchronized void segmentDone() {
        inFlight = false;
    }
}
