package org.ptth.relay.pump;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one budget both transports use: growth that fits, counting that does not ask, and its waiters. */
class BufferBudgetTest {
    @Test
    void tryTakeTakesOnlyWhatFitsUnderTheLimit() {
        final BufferBudget budget = new BufferBudget(() -> 100);
        assertTrue(budget.tryTake(60));
        assertFalse(budget.tryTake(41), "60 + 41 is past 100");
        assertEquals(60, budget.used(), "a refused take takes nothing");
        assertTrue(budget.tryTake(40));
        assertTrue(budget.over());
        budget.giveBack(100);
        assertEquals(0, budget.used());
    }

    @Test
    void theLimitIsReadAtEachUse() {
        final AtomicLong max = new AtomicLong(10);
        final BufferBudget budget = new BufferBudget(max::get);
        assertFalse(budget.tryTake(20));
        max.set(20);
        assertTrue(budget.tryTake(20));
    }

    @Test
    void takeCountsPastTheLimitAndAWaiterHearsOnceTheTotalIsUnderItAgain() {
        final BufferBudget budget = new BufferBudget(() -> 100);
        budget.take(150);
        assertTrue(budget.over());
        final AtomicInteger calls = new AtomicInteger();
        final BufferBudget.Waiter waiter = calls::incrementAndGet;
        budget.waitFor(waiter);
        budget.waitFor(waiter);
        assertEquals(0, calls.get(), "still over: the waiter waits, once");

        budget.giveBack(50);
        assertEquals(0, calls.get(), "100 is not under the limit of 100");
        budget.giveBack(1);
        assertEquals(1, calls.get());
        budget.giveBack(1);
        assertEquals(1, calls.get(), "a waiter is called once per wait");
    }

    @Test
    void aWaiterThatIsUnderTheLimitAlreadyIsCalledAtOnce() {
        final BufferBudget budget = new BufferBudget(() -> 100);
        final AtomicInteger calls = new AtomicInteger();
        budget.waitFor(calls::incrementAndGet);
        assertEquals(1, calls.get());
    }

    @Test
    void aWaiterThatWaitsAgainFromItsCallIsKeptForTheNextRelease() {
        final BufferBudget budget = new BufferBudget(() -> 100);
        budget.take(200);
        final AtomicInteger calls = new AtomicInteger();
        final BufferBudget.Waiter[] self = new BufferBudget.Waiter[1];
        self[0] = () -> {
            calls.incrementAndGet();
            budget.take(100); // finds the total over again, and waits again
            budget.waitFor(self[0]);
        };
        budget.waitFor(self[0]);

        budget.giveBack(150);
        assertEquals(1, calls.get(), "called once, not again by the same release");
        budget.giveBack(150);
        assertEquals(2, calls.get());
    }
}
