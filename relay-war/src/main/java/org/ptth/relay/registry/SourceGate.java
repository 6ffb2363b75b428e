package org.ptth.relay.registry;

/**
 * Which request bodies one direction of a tunnel still takes: a single streaming body, or
 * segments one at a time (segmented uploads), the last of which closes the gate.
 */
final class SourceGate {
    private boolean closed;
    private boolean inFlight;

    synchronized boolean admitStream() {
        if (closed || inFlight) {
            return false;
        }
        closed = true;
        return true;
    }

    synchronized boolean admitSegment(final boolean last) {
        if (closed || inFlight) {
            return false;
        }
        inFlight = true;
        closed = last;
        return true;
    }

    synchronized void segmentDone() {
        inFlight = false;
    }
}
