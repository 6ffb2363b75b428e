package org.ptth.proxy.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The stop and reload controls of a command that runs until stopped. SIGTERM and Ctrl-C (SIGINT)
 * are caught, where the JVM lets us ({@code sun.misc.Signal}, looked up at run time), and request
 * an orderly stop, so the command finishes its grace period and exits 0. A shutdown hook covers
 * every other way the JVM goes down: it requests the same stop and waits for it, bounded. SIGHUP,
 * when a reload action is given, runs it.
 */
final class Lifecycle implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Lifecycle.class.getName());
    /** Beyond the grace period, for closing what is left and logging it. */
    private static final Duration HOOK_MARGIN = Duration.ofSeconds(5);

    private final Runnable stopAccepting;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    /**
     * @param stopAccepting what stops new connections; runs once, on the thread that asks for the stop
     * @param reload        what SIGHUP does (given, so that a stray SIGHUP never ends the process), or null
     * @param grace         how long the open tunnels may take; bounds the shutdown hook's wait
     * @param trapSignals   false in tests that run commands inside the test JVM
     */
    Lifecycle(final Runnable stopAccepting, final Runnable reload, final Duration grace, final boolean trapSignals) {
        this.stopAccepting = stopAccepting;
        final long waitMillis = grace.plus(HOOK_MARGIN).toMillis();
        this.hook = new Thread(() -> {
            requestStop("the JVM is shutting down");
            try {
                finished.await(waitMillis, TimeUnit.MILLISECONDS);
            } catch (final InterruptedException stop) {
                Thread.currentThread().interrupt();
            }
        }, "ptth-shutdown");
        if (trapSignals) {
            trap("TERM", () -> requestStop("SIGTERM"));
            trap("INT", () -> requestStop("SIGINT"));
            if (reload != null) {
                trap("HUP", reload);
            }
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }

    /** Stops accepting new connections; the command's main thread then drains and returns. */
    void requestStop(final String why) {
        if (stopRequested.compareAndSet(false, true)) {
            LOG.info(() -> "stopping (" + why + "): no new connections");
            stopAccepting.run();
        }
    }

    boolean stopRequested() {
        return stopRequested.get();
    }

    /** What lets a terminator's open tunnels finish, then cuts the rest; returns how many it cut. */
    interface Drain {
        int drain(Duration grace) throws InterruptedException;
    }

    /** Lets the open tunnels finish within the grace period, with a log line before and after. */
    static void drain(final int open, final Drain terminator, final Duration grace) throws InterruptedException {
        if (open > 0) {
            LOG.info(() -> "waiting up to " + grace.toSeconds() + " s for " + open + " open tunnel"
                    + (open == 1 ? "" : "s") + " to finish");
        }
        final int cut = terminator.drain(grace);
        LOG.info(() -> cut == 0 ? "stopped" : "stopped: cut " + cut + " tunnel" + (cut == 1 ? "" : "s")
                + " still open after the grace period");
    }

    /** The command is done: the shutdown hook need not wait, and is removed when the JVM still runs. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException shuttingDown) {
            // the hook is running or about to: it sees the latch
        }
    }

    /** Handles a signal through sun.misc.Signal if this JVM has it and allows it; logs at debug otherwise. */
    private static void trap(final String signal, final Runnable action) {
        try {
            final Class<?> signalClass = Class.forName("sun.misc.Signal");
            final Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            final InvocationHandler call = (proxy, method, arguments) -> {
                if (method.getName().equals("handle")) {
                    action.run();
                    return null;
                }
                if (method.getName().equals("toString")) {
                    return "ptth " + signal + " handler";
                }
                if (method.getName().equals("hashCode")) {
                    return System.identityHashCode(proxy);
                }
                if (method.getName().equals("equals")) {
                    return proxy == arguments[0];
                }
                return null;
            };
            final Object handler = Proxy.newProxyInstance(Lifecycle.class.getClassLoader(),
                    new Class<?>[] {handlerClass}, call);
            final Object instance = signalClass.getConstructor(String.class).newInstance(signal);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, instance, handler);
        } catch (final ReflectiveOperationException | RuntimeException | LinkageError unavailable) {
            // e.g. -Xrs, or a JVM without jdk.unsupported: the shutdown hook still stops in order
            LOG.fine(() -> "cannot trap SIG" + signal + ": " + unavailable);
        }
    }
}
