package org.ptth.proxy.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChannelLoopTest {

    private final ChannelLoop loop = newLoop();

    @AfterEach
    void close() {
        loop.close();
    }

    @Test
    void deadlinesRunOnTheLoopThreadEarliestFirst() throws Exception {
        final List<String> ran = new CopyOnWriteArrayList<>();
        final CountDownLatch both = new CountDownLatch(2);
        onLoop(() -> {
            loop.after(150, () -> {
                ran.add("later" + (loop.inLoop() ? "" : " off the loop"));
                both.countDown();
            });
            return loop.after(30, () -> {
                ran.add("sooner" + (loop.inLoop() ? "" : " off the loop"));
                both.countDown();
            });
        });

        assertTrue(both.await(30, TimeUnit.SECONDS));
        assertEquals(List.of("sooner", "later"), ran);
    }

    @Test
    void aDeadlineCancelledOnTheLoopLeavesAtOnceAndNeverRuns() throws Exception {
        final CountDownLatch cancelledRan = new CountDownLatch(1);
        final CountDownLatch after = new CountDownLatch(1);
        final int queued = onLoop(() -> {
            final ChannelLoop.Deadline connect = loop.after(20, cancelledRan::countDown);
            loop.after(100, after::countDown);
            loop.cancel(connect);
            return loop.deadlinesQueued();
        });

        // gone from the queue, it cannot end the selector's wait when it comes due
        assertEquals(1, queued);
        assertTrue(after.await(30, TimeUnit.SECONDS));
        assertFalse(cancelledRan.await(50, TimeUnit.MILLISECONDS));
    }

    @Test
    void aDeadlineCancelledFromAnotherThreadNeverRuns() throws Exception {
        final CountDownLatch cancelledRan = new CountDownLatch(1);
        final CountDownLatch after = new CountDownLatch(1);
        final ChannelLoop.Deadline connect = onLoop(() -> {
            loop.after(120, after::countDown);
            return loop.after(20, cancelledRan::countDown);
        });
        loop.cancel(connect);

        assertTrue(after.await(30, TimeUnit.SECONDS));
        assertFalse(cancelledRan.await(50, TimeUnit.MILLISECONDS));
        assertEquals(0, (int) onLoop(loop::deadlinesQueued));
    }

    @Test
    void aDeadlineThatThrowsDoesNotStopTheLoop() throws Exception {
        final CountDownLatch next = new CountDownLatch(1);
        onLoop(() -> loop.after(0, () -> {
            throw new IllegalStateException("one tunnel's bug");
        }));
        onLoop(() -> loop.after(10, next::countDown));

        assertTrue(next.await(30, TimeUnit.SECONDS));
    }

    @Test
    void aTaskThatThrowsDoesNotStrandTheTasksBehindIt() throws Exception {
        final CountDownLatch behind = new CountDownLatch(1);
        final CountDownLatch hold = new CountDownLatch(1);
        loop.execute(() -> awaitQuietly(hold)); // so that both land in the same round
        loop.execute(() -> {
            throw new IllegalStateException("one tunnel's bug");
        });
        loop.execute(behind::countDown);
        hold.countDown();

        assertTrue(behind.await(30, TimeUnit.SECONDS));
    }

    private static void awaitQuietly(final CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private <T> T onLoop(final Supplier<T> action) throws Exception {
        final CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> result.complete(action.get()));
        return result.get(30, TimeUnit.SECONDS);
    }

    private static ChannelLoop newLoop() {
        try {
            return new ChannelLoop("test-loop");
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
