package org.ptth.relay.support;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.ptth.relay.RelayContext;
import org.ptth.relay.RelayLifecycle;
import org.ptth.relay.auth.KeyHashes;
import org.ptth.relay.endpoints.RelayServlet;
import org.ptth.relay.endpoints.NotFoundServlet;
import org.ptth.relay.endpoints.StatusServlet;
import org.ptth.relay.endpoints.UnreadBodyFilter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The relay on an embedded Tomcat on a free loopback port, with a configuration naming one server
 * ("srv", key {@link #SERVER_KEY}) and one client ("cli", key {@link #CLIENT_KEY}, allowed srv).
 */
public final class EmbeddedRelay implements AutoCloseable {
    public static final String SERVER_KEY = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";
    public static final String CLIENT_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    public static final String ADMIN_KEY = "5e6f7a8b9c0d1e2f5e6f7a8b9c0d1e2f5e6f7a8b9c0d1e2f5e6f7a8b9c0d1e2f";
    public static final String OTHER_SERVER_KEY = "0a9b8c7d6e5f40312a3b4c5d6e7f80910a9b8c7d6e5f40312a3b4c5d6e7f8091";

    private final Tomcat tomcat = new Tomcat();
    private final Context context;
    private final Path dir;
    private final Path configFile;

    public EmbeddedRelay(final String extraConfig) throws IOException, LifecycleException {
        this(extraConfig, Map.of());
    }

    /** With more properties on the connector, such as a short {@code connectionTimeout}. */
    public EmbeddedRelay(final String extraConfig, final Map<String, String> connectorProperties)
            throws IOException, LifecycleException {
        dir = Files.createTempDirectory("ptth-relay-test");
        configFile = dir.resolve("ptth-relay.properties");
        writeConfig(extraConfig);
        tomcat.setBaseDir(dir.toString());
        final Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connectorProperties.forEach(connector::setProperty);
        tomcat.setConnector(connector);
        final Context ctx = tomcat.addContext("/relay", dir.toString());
        context = ctx;
        ctx.addParameter(RelayLifecycle.CONFIG_PROPERTY, configFile.toString());
        ctx.addApplicationListener(RelayLifecycle.class.getName());
        Tomcat.addServlet(ctx, "relay", new RelayServlet()).setAsyncSupported(true);
        ctx.addServletMappingDecoded("/v1/*", "relay");
        Tomcat.addServlet(ctx, "status", new StatusServlet()).setAsyncSupported(true);
        ctx.addServletMappingDecoded("/status", "status");
        // What the WAR declares by annotations: the filter in front of everything, the 404 behind it.
        Tomcat.addServlet(ctx, "not-found", new NotFoundServlet()).setAsyncSupported(true);
        ctx.addServletMappingDecoded("/", "not-found");
        final FilterDef unreadBody = new FilterDef();
        unreadBody.setFilterName("unread-body");
        unreadBody.setFilter(new UnreadBodyFilter());
        unreadBody.setAsyncSupported("true");
        ctx.addFilterDef(unreadBody);
        final FilterMap everything = new FilterMap();
        everything.setFilterName("unread-body");
        everything.addURLPattern("/*");
        ctx.addFilterMap(everything);
        tomcat.start();
    }

    public static String baseConfig() {
        return "server.srv.key-sha256=" + KeyHashes.sha256Hex(SERVER_KEY) + "\n"
                + "server.other.key-sha256=" + KeyHashes.sha256Hex(OTHER_SERVER_KEY) + "\n"
                + "client.cli.key-sha256=" + KeyHashes.sha256Hex(CLIENT_KEY) + "\n"
                + "client.cli.allow=srv\n"
                + "admin.key-sha256=" + KeyHashes.sha256Hex(ADMIN_KEY) + "\n";
    }

    public void writeConfig(final String extraConfig) throws IOException {
        Files.writeString(configFile, baseConfig() + extraConfig);
    }

    public Path configFile() {
        return configFile;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/relay/";
    }

    public int port() {
        return tomcat.getConnector().getLocalPort();
    }

    /** The status endpoint's figures (tunnels, mux_connections, mux_buffered_bytes, ...). */
    public Map<String, Long> status() throws IOException, InterruptedException {
        final java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "status"))
                        .header("Authorization", "Bearer " + ADMIN_KEY)
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        final Map<String, Long> figures = new java.util.TreeMap<>();
        for (final String line : r.body().split("\n")) {
            final int eq = line.indexOf('=');
            if (eq > 0) {
                figures.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).strip()));
            }
        }
        return figures;
    }

    /**
     * Waits until the relay holds a listen poll of {@code server} for {@code port}: a connect made
     * after that finds the poll, where one made right after sending the poll may come first.
     */
    public void awaitParkedPoll(final String server, final String port) throws InterruptedException {
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (RelayContext.of(context.getServletContext()).registry().parkedPollsByPort()
                .getOrDefault(server, Map.of()).getOrDefault(port, 0) == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no listen poll of " + server + "/" + port + " parked within 20 s");
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }
}
