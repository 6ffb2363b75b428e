package org.ptth.relay.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimersTest {

    private final Timers timers = new Timers();

    @AfterEach
    void stop() {
        timers.stop();
    }

    @Test
    void aCancelledDeadlineLeavesTheQueueAtOnce() {
        timers.every(60_000, () -> { });
        final ScheduledFuture<?> accept = timers.after(TimeUnit.SECONDS.toNanos(5), () -> { });
        assertEquals(2, timers.queued());

        accept.cancel(false);

        // left queued, it would wake the thread when it came due
        assertEquals(1, timers.queued());
    }

    @Test
    void aDeadlineRunsAndOneThatThrowsDoesNotStopTheThread() throws InterruptedException {
        final CountDownLatch ran = new CountDownLatch(1);
        timers.after(0, () -> {
            throw new IllegalStateException("a task's bug");
        });
        timers.after(TimeUnit.MILLISECONDS.toNanos(10), ran::countDown);

        assertTrue(ran.await(30, TimeUnit.SECONDS));
    }

    @Test
    void aCancelledDeadlineDoesNotRun() throws InterruptedException {
        final AtomicBoolean cancelledRan = new AtomicBoolean();
        final CountDownLatch later = new CountDownLatch(1);
        timers.after(TimeUnit.MILLISECONDS.toNanos(20), () -> cancelledRan.set(true)).cancel(false);
        timers.after(TimeUnit.MILLISECONDS.toNanos(50), later::countDown);

        assertTrue(later.await(30, TimeUnit.SECONDS));
        assertEquals(false, cancelledRan.get());
    }
}
