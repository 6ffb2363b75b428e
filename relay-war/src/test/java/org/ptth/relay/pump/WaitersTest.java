package org.ptth.relay.pump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

class WaitersTest {

    @Test
    void takesEveryMemberOnceAndLeavesTheEmptySet() {
        final Set<String> waiting = ConcurrentHashMap.newKeySet();
        waiting.addAll(List.of("a", "b", "c"));
        final List<String> taken = Waiters.takeAll(waiting);
        assertEquals(Set.of("a", "b", "c"), Set.copyOf(taken));
        assertEquals(3, taken.size());
        assertTrue(waiting.isEmpty());
    }

    /**
     * The case of a connection still backed up: every woken member adds itself back at once. The
     * wake-ups end, each member woken once, and they all wait for the next release (an iteration of
     * the live set met them again and again, and its thread never left).
     */
    @Test
    void membersThatWaitAgainWhenWokenAreWokenOnceAndStayForTheNextTime() {
        final Set<Integer> waiting = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 64; i++) {
            waiting.add(i);
        }
        final List<Integer> woken = new ArrayList<>();
        for (final Integer member : Waiters.takeAll(waiting)) {
            woken.add(member);
            waiting.add(member); // still no room: waits again
        }
        assertEquals(64, woken.size());
        assertEquals(64, Set.copyOf(woken).size());
        assertEquals(64, waiting.size());
    }
}
