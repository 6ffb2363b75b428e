package org.ptth.relay.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Holds the configuration in force and reloads it when its file changes. A bad first file leaves
 * the relay unavailable with the reason; a bad later file is rejected and the previous one stays.
 */
public final class ConfigWatcher {
    private static final Logger LOG = Logger.getLogger(ConfigWatcher.class.getName());

    private final Path file;
    private final Consumer<RelayConfig> onChange;
    private volatile RelayConfig current;
    private volatile String unavailableReason;
    private volatile History history = new History(0, 0, 0, 0, null);

    /**
     * What became of the edits, for the metrics and the status page: loads that took effect (the
     * first included) and edits rejected, the wall-clock time of the last of each (0: never), and
     * why the last edit was rejected (null once a later one loaded).
     */
    public record History(long loaded, long rejected, long lastLoadedMillis, long lastRejectedMillis,
                          String rejection) {
    }
    /** The file's content at the last look (null: missing); a sentinel at first, so that a missing file is noticed too. */
    private byte[] lastContent = NOT_LOOKED_AT;
    private static final byte[] NOT_LOOKED_AT = new byte[0];

    public ConfigWatcher(final Path file, final Consumer<RelayConfig> onChange) {
        this.file = file;
        this.onChange = onChange;
    }

    public Path file() {
        return file;
    }

    /** The configuration in force, or null when there has never been a valid one. */
    public RelayConfig current() {
        return current;
    }

    /** Why the relay cannot serve, when {@link #current()} is null. */
    public String unavailableReason() {
        return unavailableReason;
    }

    public History history() {
        return history;
    }

    /** Loads the file if it changed since the last look; called at start and then periodically. */
    public synchronized void check() {
        final byte[] content = content();
        if (lastContent != NOT_LOOKED_AT && Arrays.equals(content, lastContent)) {
            return;
        }
        lastContent = content;
        if (content == null) {
            if (current == null) {
                unavailable("relay configuration " + file + " is missing (set ptth.relay.config or create it)");
            } else {
                LOG.warning("relay configuration " + file + " disappeared; keeping the one in force");
            }
            rejected("relay configuration " + file + " is missing");
            return;
        }
        try {
            final RelayConfig loaded = ConfigParser.parse(
                    new StringReader(new String(content, StandardCharsets.UTF_8)), file.toString());
            final boolean first = current == null;
            current = loaded;
            unavailableReason = null;
            final History was = history;
            history = new History(was.loaded() + 1, was.rejected(), System.currentTimeMillis(),
                    was.lastRejectedMillis(), null);
            LOG.info((first ? "relay configuration loaded from " : "relay configuration reloaded from ") + file
                    + ": " + loaded.serverNames().size() + " servers, " + loaded.clientNames().size() + " clients");
            if (!first) {
                onChange.accept(loaded);
            }
        } catch (final ConfigException e) {
            if (current == null) {
                unavailable("relay configuration invalid: " + e.getMessage());
            } else {
                LOG.warning("relay configuration change rejected, the previous one stays in force: " + e.getMessage());
            }
            rejected(e.getMessage());
        } catch (final RuntimeException e) {
            LOG.log(Level.WARNING, "relay configuration check failed", e);
        }
    }

    private void rejected(final String why) {
        final History was = history;
        history = new History(was.loaded(), was.rejected() + 1, was.lastLoadedMillis(), System.currentTimeMillis(), why);
    }

    private void unavailable(final String reason) {
        unavailableReason = reason;
        LOG.severe(reason);
    }

    /**
     * The file's bytes, or null when it cannot be read. The content itself, not its time and size:
     * an edit of the same size within the file system's time granularity changes neither (the
     * file is small, and read every 2 s).
     */
    private byte[] content() {
        try {
            return Files.readAllBytes(file);
        } catch (final IOException e) {
            return null;
        }
    }
}
