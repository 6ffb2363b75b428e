package org.ptth.proxy.mux;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.ptth.protocol.mux.Frames;

/**
 * One thread and one selector for the local TCP sockets of every mux tunnel: however many tunnels
 * are open, this is the only thread that waits for them. Other threads hand it work with
 * {@link #execute} and change what a socket waits for with {@link #interest}; after each round of
 * ready sockets it runs the round hooks (the connections flush the frames the round gathered).
 * It also keeps the deadlines of its sockets (a target's connect timeout): the selector's wait ends
 * at the earliest, so a deadline cancelled in time costs no thread a wake-up, as one on a timer
 * thread would when it came due.
 */
final class ChannelLoop implements Closeable {

    /** A task the loop runs at a set time unless cancelled first. */
    static final class Deadline {
        private final long atNanos;
        private final Runnable task;
        private volatile boolean cancelled;

        private Deadline(final long atNanos, final Runnable task) {
            this.atNanos = atNanos;
            this.task = task;
        }
    }

    /** What a registered socket does when it is ready; runs on the loop thread. */
    interface Handler {
        void ready(SelectionKey key);
    }

    private static final Logger LOG = Logger.getLogger(ChannelLoop.class.getName());

    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<Runnable> roundHooks = new CopyOnWriteArrayList<>();
    /** The loop thread's buffer for socket reads: one for all tunnels, so an idle tunnel holds none. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(Frames.MAX_PAYLOAD);
    /** Earliest first; loop thread only. */
    private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>(Comparator.comparingLong(d -> d.atNanos));
    private volatile boolean closed;

    ChannelLoop(final String name) throws IOException {
        this.selector = Selector.open();
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code task} on the loop thread, soon. */
    void execute(final Runnable task) {
        tasks.add(task);
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    /** Registers a channel (non-blocking) for {@code ops}; call on the loop thread. */
    SelectionKey register(final SelectableChannel channel, final int ops, final Handler handler)
            throws ClosedChannelException {
        return channel.register(selector, ops, handler);
    }

    /** Sets what a key waits for, from any thread; a change from another thread wakes the loop. */
    void interest(final SelectionKey key, final int ops) {
        try {
            if (key.interestOps() == ops) {
                return;
            }
            key.interestOps(ops);
        } catch (final CancelledKeyException gone) {
            return;
        }
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    /** Runs {@code task} on the loop thread after {@code millis} unless cancelled; call on the loop thread. */
    Deadline after(final long millis, final Runnable task) {
        final Deadline deadline = new Deadline(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis), task);
        deadlines.add(deadline);
        return deadline;
    }

    /**
     * Cancels a deadline, from any thread. On the loop thread it leaves the queue at once (cheap: the
     * one cancelled is mostly the earliest); from another it is dropped when it comes due.
     */
    void cancel(final Deadline deadline) {
        deadline.cancelled = true;
        if (inLoop()) {
            deadlines.remove(deadline);
        }
    }

    /** Deadlines not yet run nor dropped (tests). */
    int deadlinesQueued() {
        return deadlines.size();
    }

    /** Whether the caller is the loop thread. */
    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** The loop thread's read buffer, cleared; only the loop thread may use it. */
    ByteBuffer readBuffer() {
        return readBuffer.clear();
    }

    /** Runs after every round of ready sockets and tasks. */
    void onRound(final Runnable hook) {
        roundHooks.add(hook);
    }

    void removeRoundHook(final Runnable hook) {
        roundHooks.remove(hook);
    }

    private void run() {
        while (!closed) {
            try {
                selector.select(untilNextDeadline());
                runDeadlines();
                runTasks();
                final Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    final SelectionKey key = ready.next();
                    ready.remove();
                    if (key.isValid()) {
                        try {
                            ((Handler) key.attachment()).ready(key);
                        } catch (final CancelledKeyException cancelled) {
                            // the tunnel ended while this round ran
                        }
                    }
                }
                runTasks();
                for (final Runnable hook : roundHooks) {
                    hook.run();
                }
            } catch (final IOException | RuntimeException unexpected) {
                // one tunnel's bug must not stop every tunnel: log it and go on
                LOG.log(Level.WARNING, "channel loop: " + unexpected, unexpected);
            }
        }
        try {
            selector.close();
        } catch (final IOException ignored) {
            // closing anyway
        }
    }

    /** Milliseconds the selector may wait: until the earliest deadline, at least 1; 0 (no limit) without one. */
    private long untilNextDeadline() {
        Deadline next;
        while ((next = deadlines.peek()) != null && next.cancelled) {
            deadlines.poll();
        }
        if (next == null) {
            return 0;
        }
        final long nanos = next.atNanos - System.nanoTime();
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
    }

    private void runDeadlines() {
        final long now = System.nanoTime();
        Deadline next;
        while ((next = deadlines.peek()) != null && next.atNanos - now <= 0) {
            deadlines.poll();
            if (!next.cancelled) {
                runSafely(next.task);
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            runSafely(task);
        }
    }

    /**
     * One task's bug must not stop every tunnel, nor strand the tasks queued behind it: their
     * wake-up may be spent already, and the selector would wait on without them.
     */
    private static void runSafely(final Runnable task) {
        try {
            task.run();
        } catch (final RuntimeException bug) {
            LOG.log(Level.WARNING, "channel loop: " + bug, bug);
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
    }
}
