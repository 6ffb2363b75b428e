package org.ptth.bench.chain;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The relay as the README deploys it: ptth-relay.war in a standalone Tomcat (the distribution the
 * end-to-end tests unpack), its HTTP connector replaced by the one conf/tomcat-connector.xml ships
 * (only the port changed), and bin/setenv.sh passing the relay's config file as conf/setenv.sh does.
 * No other JVM option: the heap is the JVM's default, as in a Tomcat installed as is.
 */
public final class RelayTomcat {

    private static final Pattern SHIPPED_CONNECTOR = Pattern.compile("<Connector\\b[^>]*/>", Pattern.DOTALL);
    private static final Pattern DEFAULT_CONNECTOR = Pattern.compile("<Connector port=\"8080\"[^>]*/>",
            Pattern.DOTALL);

    private final Process process;
    private final int port;
    private final int maxConnections;

    private RelayTomcat(final Process process, final int port, final int maxConnections) {
        this.process = process;
        this.port = port;
        this.maxConnections = maxConnections;
    }

    /** The connector's maxConnections (Tomcat's default 8192 if the shipped connector sets none). */
    public int maxConnections() {
        return maxConnections;
    }

    static int maxConnections(final String connector) {
        final Matcher m = Pattern.compile("maxConnections=\"(\\d+)\"").matcher(connector);
        return m.find() ? Integer.parseInt(m.group(1)) : 8192;
    }

    public long pid() {
        return process.pid();
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + port + "/ptth-relay/");
    }

    /** HOST:PORT of Tomcat's connector, for a front's snippet. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public static RelayTomcat start(final Processes processes, final String name, final Path home, final Path war,
                                    final Path confDir, final Path relayConfig, final Path base) throws IOException {
        for (final String d : List.of("bin", "conf", "logs", "temp", "webapps", "work")) {
            Files.createDirectories(base.resolve(d));
        }
        try (Stream<Path> conf = Files.list(home.resolve("conf"))) {
            for (final Path f : (Iterable<Path>) conf::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, base.resolve("conf").resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        final int port = Processes.freePort();
        final Path serverXml = base.resolve("conf/server.xml");
        final String shipped = Files.readString(confDir.resolve("tomcat-connector.xml"));
        Files.writeString(serverXml, serverXml(Files.readString(serverXml), shipped, port), StandardCharsets.UTF_8);
        Files.writeString(base.resolve("bin/setenv.sh"), "# as conf/setenv.sh has it\n"
                + "CATALINA_OPTS=\"$CATALINA_OPTS -Dptth.relay.config=" + relayConfig + "\"\n", StandardCharsets.UTF_8);
        Files.copy(war, base.resolve("webapps/ptth-relay.war"), StandardCopyOption.REPLACE_EXISTING);
        // catalina.sh run ends in exec java: the process started is Tomcat's JVM
        final Process p = processes.start(name, List.of("bash", home.resolve("bin/catalina.sh").toString(), "run"),
                Map.of("JAVA_HOME", System.getProperty("java.home"), "CATALINA_HOME", home.toString(),
                        "CATALINA_BASE", base.toString(), "CATALINA_OPTS", "", "CATALINA_PID", ""), base);
        final RelayTomcat tomcat = new RelayTomcat(p, port,
                maxConnections(shipped.replaceAll("(?s)<!--.*?-->", "")));
        Processes.await("the relay in Tomcat", 180, p, processes.log(name), tomcat::answers401);
        return tomcat;
    }

    /**
     * The distribution's server.xml with its HTTP connector replaced by the shipped one on {@code port}
     * and the shutdown port off (the bench stops Tomcat with a signal).
     */
    static String serverXml(final String distribution, final String shippedConnectorFile, final int port) {
        final String noComments = shippedConnectorFile.replaceAll("(?s)<!--.*?-->", "");
        final Matcher shipped = SHIPPED_CONNECTOR.matcher(noComments);
        if (!shipped.find()) {
            throw new IllegalArgumentException("conf/tomcat-connector.xml has no <Connector .../>");
        }
        final String connector = shipped.group().replaceFirst("port=\"\\d+\"", "port=\"" + port + "\"");
        final Matcher old = DEFAULT_CONNECTOR.matcher(distribution);
        boolean found;
        // the first one outside a comment (server.xml shows other connectors in comments)
        while ((found = old.find()) && distribution.lastIndexOf("<!--", old.start())
                > distribution.lastIndexOf("-->", old.start())) {
            // inside a comment: look further
        }
        if (!found) {
            throw new IllegalArgumentException("the distribution's server.xml has no <Connector port=\"8080\" .../>");
        }
        return (distribution.substring(0, old.start()) + connector + distribution.substring(old.end()))
                .replace("<Server port=\"8005\"", "<Server port=\"-1\"");
    }

    private boolean answers401() {
        try {
            final HttpURLConnection c = (HttpURLConnection) base().resolve("v1/bench/listen/probe").toURL().openConnection();
            try {
                c.setRequestMethod("POST");
                c.setConnectTimeout(2_000);
                c.setReadTimeout(5_000);
                c.setDoOutput(true);
                c.setFixedLengthStreamingMode(0);
                c.getOutputStream().close();
                return c.getResponseCode() == 401;
            } finally {
                c.disconnect();
            }
        } catch (final IOException e) {
            return false;
        }
    }
}
