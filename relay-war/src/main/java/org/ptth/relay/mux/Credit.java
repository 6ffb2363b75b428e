package org.ptth.relay.mux;

import org.ptth.protocol.mux.Frames;

/**
 * The credit of one direction of one tunnel, as the relay keeps it: what the sender may still
 * send (what the relay passed on to it, less the DATA that came), and what the receiver granted
 * that the relay holds back for now. The relay never passes on more than the receiver granted.
 * Guarded by the tunnel's lock.
 */
final class Credit {
    private long sendable = Frames.INITIAL_WINDOW;
    private long withheld;

    /** Counts DATA of {@code bytes} from the sender; false when it goes past its credit. */
    boolean take(final int bytes) {
        if (bytes > sendable) {
            return false;
        }
        sendable -= bytes;
        return true;
    }

    /** The receiver grants more; false when it would have more than the protocol's maximum outstanding. */
    boolean grant(final int increment) {
        withheld += increment;
        return sendable + withheld <= Frames.MAX_WINDOW;
    }

    /** How much more the receiver may grant before it has the protocol's maximum outstanding. */
    long headroom() {
        return Frames.MAX_WINDOW - sendable - withheld;
    }

    /** Takes everything withheld, to pass on to the sender now; 0 when there is nothing. */
    int release() {
        final int passed = (int) Math.min(withheld, Integer.MAX_VALUE);
        withheld -= passed;
        sendable += passed;
        return passed;
    }

    long withheld() {
        return withheld;
    }
}
