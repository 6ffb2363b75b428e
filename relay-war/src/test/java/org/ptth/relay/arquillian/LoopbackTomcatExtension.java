package org.ptth.relay.arquillian;

import org.jboss.arquillian.core.spi.LoadableExtension;

/**
 * Registers {@link LoopbackConnector}, which moves the embedded Tomcat of the Arquillian adapter
 * onto a free port of 127.0.0.1 (the adapter itself binds every interface, on a fixed port).
 */
public final class LoopbackTomcatExtension implements LoadableExtension {
    @Override
    public void register(final ExtensionBuilder builder) {
        builder.observer(LoopbackConnector.class);
    }
}
