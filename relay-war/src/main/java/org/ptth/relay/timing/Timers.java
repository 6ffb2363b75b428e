package org.ptth.relay.timing;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The relay's one timer thread, shared by everything of the web application that must act later:
 * the tunnels' deadlines (mux tunnels' included), the refuse call's wait for its reason, the periodic
 * checks (the mux connections' sweep included). A task that throws is logged and does not stop the
 * thread. Stopped with the web application.
 * <p>
 * A cancelled task leaves the queue at once. Most deadlines are cancelled (a tunnel's accept.timeout
 * when the server accepts), and one left queued would wake the thread when it came due: a wake-up per
 * tunnel, seconds after it opened. Gone, the thread wakes only for the once-a-second sweep while the
 * deadlines lie further ahead than that (connect.wait and accept.timeout are seconds).
 */
public final class Timers {
    private static final Logger LOG = Logger.getLogger(Timers.class.getName());

    private final ScheduledThreadPoolExecutor thread;
    /** The thread itself, once started: stop() waits for it to be gone, not just idle. */
    private volatile Thread worker;

    public Timers() {
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, "ptth-relay-timer");
            t.setDaemon(true);
            worker = t;
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
    }

    /** Runs a task every {@code millis}, the first time after one period. */
    public void every(final long millis, final Runnable task) {
        thread.scheduleWithFixedDelay(logged(task, "periodic task failed"), millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Runs a task once after {@code nanos} (at once if not positive); the future cancels it. */
    public ScheduledFuture<?> after(final long nanos, final Runnable task) {
        return thread.schedule(logged(task, "timer task failed"), Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** Tasks waiting for their time, periodic ones included (tests). */
    int queued() {
        return thread.getQueue().size();
    }

    /**
     * Stops the thread: no task runs any more, one under way gets a few seconds to finish. Returns
     * once the thread has ended, not only its executor: the container looks for threads the web
     * application left running right after it stopped, and an executor counts as terminated while
     * its last thread is still on its way out.
     */
    public void stop() {
        thread.shutdownNow();
        try {
            if (thread.awaitTermination(5, TimeUnit.SECONDS)) {
                final Thread last = worker;
                if (last != null) {
                    last.join(TimeUnit.SECONDS.toMillis(1));
                }
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Runnable logged(final Runnable task, final String what) {
        return () -> {
            try {
                task.run();
            } catch (final RuntimeException e) {
                LOG.log(Level.WARNING, what, e);
            }
        };
    }
}
