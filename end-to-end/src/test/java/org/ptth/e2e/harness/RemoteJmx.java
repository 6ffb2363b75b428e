package org.ptth.e2e.harness;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * A JMX connection to a Tomcat started with remote JMX on a loopback port ({@link #tomcatProperties}),
 * as JConsole or VisualVM makes one.
 */
public final class RemoteJmx implements AutoCloseable {
    private final JMXConnector connector;
    private final MBeanServerConnection server;

    private RemoteJmx(final JMXConnector connector) throws IOException {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
    }

    /** The system properties that open remote JMX, without authentication, on 127.0.0.1:port only. */
    public static Map<String, String> tomcatProperties(final int port) {
        return Map.of(
                "com.sun.management.jmxremote.port", Integer.toString(port),
                "com.sun.management.jmxremote.rmi.port", Integer.toString(port),
                "com.sun.management.jmxremote.host", "127.0.0.1",
                "com.sun.management.jmxremote.authenticate", "false",
                "com.sun.management.jmxremote.ssl", "false",
                "java.rmi.server.hostname", "127.0.0.1");
    }

    public static RemoteJmx connect(final int port) throws IOException {
        final JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + port + "/jmxrmi");
        return new RemoteJmx(JMXConnectorFactory.connect(url));
    }

    public MBeanServerConnection server() {
        return server;
    }

    public Set<ObjectName> names(final String pattern) throws Exception {
        return server.queryNames(new ObjectName(pattern), null);
    }

    public Object attribute(final String name, final String attribute) throws Exception {
        return server.getAttribute(new ObjectName(name), attribute);
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
