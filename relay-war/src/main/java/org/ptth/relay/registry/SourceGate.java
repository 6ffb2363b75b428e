package org.ptth.relay.registry;

/**
 * Which request bodies one direction of a tunnel still takes: a single streaming body, or
 * segments one at a time (segmented uploads), the last of which closes the gate.
 */
final class SourceGate {
    private boolean closed;
    private boolean inFlight;
    private boolean used;

    synchronized boolean admitStream() {
        if (closed || inFlight) {
            return false;
        }
        closed = true;
        used = true;
        return true;
    }

    synchronized boolean admitSegment(final boolean last) {
        if (closed || inFlight) {
            return false;
        }
        inFlight = true;
        closed = last;
        used = true;
        return true;
    }

    /** Whether any body, streaming or a segment, has come for this direction. */
    synchronized boolean used() {
        return used;
    }

    synchronized void segmentDone() {
        inFlight = false;
    }
}
