package org.ptth.relay.registry;

import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The audit log, logger {@code org.ptth.relay.audit}: one INFO line per tunnel opened, refused and
 * closed, whatever its transport. Each line names its source (the class and the event) instead of
 * leaving it to be found: Tomcat's one-line format prints the source, and finding it walks the
 * stack of the thread that carries the tunnels' frames, twice per tunnel.
 */
public final class AuditLog {

    private static final Logger LOG = Logger.getLogger("org.ptth.relay.audit");

    private final String source;

    public AuditLog(final Class<?> writer) {
        this.source = writer.getName();
    }

    /** An INFO line for {@code event} ("opened", "refused", "closed"); the text is made only if it is logged. */
    public void line(final String event, final Supplier<String> text) {
        LOG.logp(Level.INFO, source, event, text);
    }
}
