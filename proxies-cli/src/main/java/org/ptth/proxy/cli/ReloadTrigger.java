package org.ptth.proxy.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.ptth.proxy.tunnel.TunnelThreads;

/**
 * Runs a reload when the config file changes (its modification time, checked every 2 s) and when
 * asked (SIGHUP), on one thread, so that reloads never overlap.
 */
final class ReloadTrigger implements AutoCloseable {

    static final long CHECK_SECONDS = 2;

    private final Path file;
    private final Runnable reload;
    private final ScheduledExecutorService thread =
            Executors.newSingleThreadScheduledExecutor(TunnelThreads.named("ptth-config-"));
    private FileTime seen;

    ReloadTrigger(final Path file, final Runnable reload) {
        this.file = file;
        this.reload = reload;
        this.seen = modified();
    }

    void start() {
        thread.scheduleWithFixedDelay(this::checkModified, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /** Reloads now (from any thread, a signal handler's too), after any reload in progress. */
    void reloadNow() {
        try {
            thread.execute(() -> {
                seen = modified();
                reload.run();
            });
        } catch (final java.util.concurrent.RejectedExecutionException closed) {
            // stopping: nothing to reload for
        }
    }

    private void checkModified() {
        final FileTime now = modified();
        if (now != null && !Objects.equals(now, seen)) {
            seen = now;
            reload.run();
        }
    }

    private FileTime modified() {
        try {
            return Files.getLastModifiedTime(file);
        } catch (final IOException gone) {
            return null; // a file being replaced; the next check sees the new one
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
