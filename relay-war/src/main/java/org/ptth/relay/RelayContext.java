package org.ptth.relay;

import jakarta.servlet.ServletContext;
import org.ptth.relay.config.ConfigWatcher;
import org.ptth.relay.config.RelayConfig;
import org.ptth.relay.registry.TunnelRegistry;

/** What the endpoints share within one deployment: the configuration in force and the tunnels. */
public final class RelayContext {
    private static final String ATTRIBUTE = RelayContext.class.getName();

    private final ConfigWatcher config;
    private final TunnelRegistry registry;

    public RelayContext(final ConfigWatcher config, final TunnelRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    public static RelayContext of(final ServletContext context) {
        return (RelayContext) context.getAttribute(ATTRIBUTE);
    }

    void bind(final ServletContext context) {
        context.setAttribute(ATTRIBUTE, this);
    }

    /** The configuration in force, or null while there is none (see {@link #unavailableReason()}). */
    public RelayConfig config() {
        return config.current();
    }

    public String unavailableReason() {
        return config.unavailableReason();
    }

    public TunnelRegistry registry() {
        return registry;
    }
}
