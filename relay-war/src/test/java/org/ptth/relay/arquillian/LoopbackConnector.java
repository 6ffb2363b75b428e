package org.ptth.relay.arquillian;

import org.apache.catalina.Service;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.jboss.arquillian.container.spi.client.container.DeployableContainer;
import org.jboss.arquillian.container.spi.event.container.AfterStart;
import org.jboss.arquillian.container.tomcat.embedded.Tomcat10EmbeddedContainer;
import org.jboss.arquillian.container.tomcat.embedded.TomcatEmbeddedConfiguration;
import org.jboss.arquillian.core.api.annotation.Observes;

import java.lang.reflect.Field;

/**
 * arquillian-tomcat-embedded-10 1.2.0.Final creates its connector with Tomcat's defaults: every
 * interface, the configured port, and reports that port to the tests (so port 0 would give them a
 * useless URL). Right after the container starts, this replaces the connector with one on
 * 127.0.0.1 and an ephemeral port, and writes that port back into the adapter's configuration,
 * which the adapter reads again when it deploys and builds the URL for {@code @ArquillianResource}.
 *
 * <p>arquillian.xml sets {@code bindHttpPort} to 0, so the adapter's own connector, alive for the
 * moment between start and this observer, also takes a free port and never a fixed one.
 */
public final class LoopbackConnector {
    static final String LOOPBACK = "127.0.0.1";

    public void rebind(@Observes final AfterStart event) throws Exception {
        final DeployableContainer<?> container = event.getDeployableContainer();
        if (!(container instanceof Tomcat10EmbeddedContainer)) {
            return;
        }
        final Tomcat tomcat = (Tomcat) field(container, "tomcat");
        final TomcatEmbeddedConfiguration config = (TomcatEmbeddedConfiguration) field(container, "configuration");
        final Service service = tomcat.getService();
        for (final Connector wildcard : service.findConnectors()) {
            service.removeConnector(wildcard);
            wildcard.destroy();
        }
        final Connector loopback = new Connector("HTTP/1.1");
        loopback.setProperty("address", LOOPBACK);
        loopback.setPort(0);
        service.addConnector(loopback);
        final int port = loopback.getLocalPort();
        if (port <= 0) {
            throw new IllegalStateException("the loopback connector did not start: " + loopback.getStateName());
        }
        config.setBindAddress(LOOPBACK);
        config.setBindHttpPort(port);
    }

    private static Object field(final Object owner, final String name) throws ReflectiveOperationException {
        final Field f = owner.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
    }
}
