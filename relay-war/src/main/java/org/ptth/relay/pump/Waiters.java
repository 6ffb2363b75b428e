package org.ptth.relay.pump;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Sets of parties waiting for room, shared between threads. */
public final class Waiters {
    private Waiters() {
    }

    /**
     * Removes and returns every member present now. Each is taken once, by one caller; a member that
     * the caller's own wake-up adds back stays in the set for the next time, instead of being met
     * again by an iteration still under way.
     */
    public static <T> List<T> takeAll(final Set<T> waiting) {
        final List<T> present = new ArrayList<>(waiting);
        final List<T> taken = new ArrayList<>(present.size());
        for (final T member : present) {
            if (waiting.remove(member)) {
                taken.add(member);
            }
        }
        return taken;
    }
}
