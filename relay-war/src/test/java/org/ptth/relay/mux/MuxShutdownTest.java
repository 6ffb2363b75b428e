package org.ptth.relay.mux;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.ptth.relay.auth.Principal;
import org.ptth.relay.timing.Timers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A stopping relay closes each mux connection after what is queued for it has been written: the
 * last frames (GOAWAY here; a tunnel's END or ABORT alike) must reach a proxy that reads, and a proxy
 * that does not read, or does not answer the close, must not hold the stop up for more than the
 * router's close wait: its socket is cut.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MuxShutdownTest {
    private final Timers timers = new Timers();
    private final MuxRouter router = new MuxRouter(() -> null, () -> 0, client -> 0, timers);
    private final ScriptedCarrier carrier = new ScriptedCarrier();
    private final MuxConnection connection = router.connect(new Principal(Principal.Kind.CLIENT, "laptop", "00"),
            "office", "192.0.2.7", carrier, () -> { });

    @AfterEach
    void stopTimers() {
        timers.stop();
    }

    @Test
    void framesQueuedForAPeerThatIsSlowToReadAreWrittenBeforeTheClose() throws Exception {
        final Thread stop = new Thread(router::shutdown, "test-shutdown");
        stop.start();
        // the router waits for the connection's queue (GOAWAY, not yet writable) to be written
        awaitWaiting(stop);
        assertFalse(connection.isClosed(), "closed while its GOAWAY was still queued");
        carrier.writable = true;
        connection.writable();
        stop.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(stop.isAlive(), "the stop did not end once the queue was written");
        assertEquals(List.of("GOAWAY", "close 1001 relay stopping", "cut"), carrier.events());
    }

    @Test
    void aPeerThatReadsNothingIsClosedAllTheSame() {
        router.shutdown();
        assertEquals(List.of("close 1001 relay stopping", "cut"), carrier.events());
    }

    /** Until the stopping thread sleeps in its wait for the queues (it sleeps nowhere else before the close). */
    private static void awaitWaiting(final Thread t) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (t.getState() != Thread.State.TIMED_WAITING) {
            if (System.nanoTime() > deadline || !t.isAlive()) {
                throw new AssertionError("the stop never waited: " + t.getState());
            }
            Thread.sleep(1);
        }
    }
}
