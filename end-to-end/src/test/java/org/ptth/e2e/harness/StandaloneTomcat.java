package org.ptth.e2e.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A real standalone Tomcat (the distribution from Maven Central, started with {@code bin/catalina.sh run})
 * serving the relay WAR on a free port of 127.0.0.1.
 *
 * <p>The distribution is copied to a fresh CATALINA_BASE (without its sample web applications); its
 * conf/server.xml gets one HTTP connector on 127.0.0.1 with the chosen connectionTimeout and no
 * shutdown port; bin/setenv.sh passes the relay's config file as {@code -Dptth.relay.config}.
 * Everything Tomcat prints goes to {@code logs/console.log}. {@link #start()} returns once the relay
 * answers an unauthenticated call with 401; {@link #close()} stops the JVM (SIGTERM, then SIGKILL
 * after a grace period) and is safe to call more than once, or after a failed start.
 *
 * <p>Two layouts of CATALINA_BASE:
 * <ul>
 * <li>a copy of the distribution (the default): CATALINA_HOME and CATALINA_BASE are both the copy;</li>
 * <li>a Debian-like base ({@link Builder#debianBase(Path)}): CATALINA_HOME is the distribution itself,
 * used in place (Debian's {@code /usr/share/tomcat10}), and the base holds what Debian's
 * {@code /var/lib/tomcat10} holds: conf/ (a copy of a conf folder such as {@code /etc/tomcat10}), lib/,
 * webapps/, logs/, work/ and temp/. The relay's config file is copied to
 * {@code conf/ptth-relay.properties}, where the relay looks without any system property.</li>
 * </ul>
 *
 * <p>A stopped Tomcat can be started again on the same port and base ({@link #stop()} then
 * {@link #start()}), and the WAR can be taken out of webapps/ and put back ({@link #removeWar()},
 * {@link #restoreWar()}) for autoDeploy to undeploy and redeploy it. The console log is appended to
 * across restarts; {@link #consoleMark()} and the {@code ...Since} methods look at what came after a point.
 */
public final class StandaloneTomcat implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final Pattern PROBLEM = Pattern.compile(
            "SEVERE|memory leak|failed to stop it|appears to have started a thread|"
                    + "ThreadLocal with key of type|failed to unregister it");
    private static final String RELAY_CONFIG_IN_BASE = "ptth-relay.properties";
    private static final Pattern UNSAFE_PATH = Pattern.compile("[\\s'\"\\\\$`]");

    private final Path distribution;
    private final Path confSource;
    private final Path base;
    private final Path war;
    private final String contextName;
    private final Path relayConfig;
    private final int connectionTimeoutMillis;
    private final Map<String, String> systemProperties;
    private final Map<String, String> connectorAttributes;
    private final List<Path> hostValves;
    private final String tomcatUsers;
    private final int port;
    private Process process;
    private boolean laidOut;

    private StandaloneTomcat(final Builder builder) {
        this.distribution = builder.distribution;
        this.confSource = builder.confSource;
        this.base = builder.base;
        this.war = builder.war;
        this.contextName = builder.contextName;
        this.relayConfig = builder.relayConfig;
        this.connectionTimeoutMillis = builder.connectionTimeoutMillis;
        this.systemProperties = new LinkedHashMap<>(builder.systemProperties);
        this.connectorAttributes = new LinkedHashMap<>(builder.connectorAttributes);
        this.hostValves = List.copyOf(builder.hostValves);
        this.tomcatUsers = builder.tomcatUsers;
        this.port = FreePorts.next();
    }

    /**
     * @param distribution an unpacked Tomcat distribution (the directory holding bin/, conf/, lib/)
     * @param base         where to make the CATALINA_BASE; must not exist yet, or be empty
     */
    public static Builder builder(final Path distribution, final Path base) {
        return new Builder(distribution, base);
    }

    /**
     * Lays out CATALINA_BASE (the first time), starts Tomcat and waits until the relay answers 401.
     * After {@link #stop()} it starts the same Tomcat again, on the same port and base.
     */
    public StandaloneTomcat start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        if (!laidOut) {
            layOut();
            laidOut = true;
        }
        final ProcessBuilder pb = new ProcessBuilder("bash", catalinaHome().resolve("bin/catalina.sh").toString(),
                "run");
        pb.directory(base.toFile());
        final Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("CATALINA_") || k.equals("JAVA_OPTS") || k.equals("JRE_HOME")
                || k.equals("JPDA_OPTS") || k.equals("LOGGING_CONFIG") || k.equals("LOGGING_MANAGER"));
        env.put("JAVA_HOME", TestEnvironment.javaHome().toString());
        env.put("CATALINA_HOME", catalinaHome().toString());
        env.put("CATALINA_BASE", base.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog().toFile()));
        process = pb.start();
        try {
            awaitRelay(START_TIMEOUT);
        } catch (final RuntimeException | Error e) {
            close();
            throw e;
        }
        return this;
    }

    /** The relay's BASE, e.g. {@code http://127.0.0.1:PORT/ptth-relay/}. */
    public URI relayBase() {
        return URI.create("http://127.0.0.1:" + port + "/" + contextName + "/");
    }

    public int port() {
        return port;
    }

    public Path base() {
        return base;
    }

    /** CATALINA_HOME: the copy in the base, or the distribution itself for a Debian-like base. */
    public Path catalinaHome() {
        return confSource == null ? base : distribution;
    }

    /** The relay configuration file Tomcat reads: rewrite this one to reconfigure the running relay. */
    public Path relayConfigFile() {
        return confSource == null ? relayConfig : base.resolve("conf").resolve(RELAY_CONFIG_IN_BASE);
    }

    /** The WAR in webapps/. */
    public Path deployedWar() {
        return base.resolve("webapps").resolve(contextName + ".war");
    }

    /** The folder autoDeploy expands the WAR into; it goes away once an undeploy is over. */
    public Path expandedWar() {
        return base.resolve("webapps").resolve(contextName);
    }

    /** Deletes the WAR from webapps/: autoDeploy undeploys the relay at its next check (every 10 s). */
    public void removeWar() throws IOException {
        Files.delete(deployedWar());
    }

    /**
     * Puts the WAR back in webapps/ for autoDeploy to deploy again. It is copied next to webapps/ and
     * moved in, so that the deployer never sees half a file.
     */
    public void restoreWar() throws IOException {
        final Path partial = base.resolve("temp").resolve(contextName + ".war.partial");
        Files.copy(war, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, deployedWar(), StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The status of an unauthenticated call to the relay: 401 when it is up, 404 when Tomcat serves no
     * such context, 503 without a valid configuration, -1 when nothing answers.
     */
    public int relayStatus() {
        return postWithoutKey(relayBase().resolve("v1/x/listen/y"));
    }

    public Path consoleLog() {
        return base.resolve("logs").resolve("console.log");
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Everything Tomcat printed on its console (which gets every log record of every logger). */
    public String consoleText() {
        return read(consoleLog());
    }

    /**
     * The lines of the console log that speak of a problem of the relay: SEVERE records and the leak
     * warnings Tomcat prints when a web application stops (threads not stopped, ThreadLocals, drivers).
     * Meaningful after {@link #close()}, when the web application has been stopped.
     *
     * <p>Only the relay's lines count (see {@link #isTheRelays}): the server's own start-up also speaks
     * of the host. With Debian's libtcnative-1 (1.2.35, which tomcat10 recommends) on the JVM's library
     * path, every Tomcat here logs a SEVERE "incompatible version of the Apache Tomcat Native library"
     * (10.1 and 11 want at least 1.3.8) before any web application exists; the relay uses none of it.
     */
    public List<String> problemLines() {
        return problemLinesSince(0);
    }

    /** How much the console log holds now: a point for {@link #consoleTextSince} and {@link #problemLinesSince}. */
    public long consoleMark() {
        return consoleText().length();
    }

    /** What the console log got after {@code mark}. */
    public String consoleTextSince(final long mark) {
        final String text = consoleText();
        return text.substring((int) Math.min(mark, text.length()));
    }

    /** {@link #problemLines()}, of what the console log got after {@code mark}. */
    public List<String> problemLinesSince(final long mark) {
        return consoleTextSince(mark).lines().filter(l -> PROBLEM.matcher(l).find() && isTheRelays(l))
                .collect(Collectors.toList());
    }

    /**
     * Whether a log line is about the relay: logged by its own code (org.ptth), naming its web application
     * (Tomcat's deployment and leak messages say {@code [/ptth-relay]} or {@code [ptth-relay]}), or logged
     * on a thread that serves requests, which here only the relay has.
     */
    private boolean isTheRelays(final String line) {
        return line.contains("org.ptth.") || line.contains("[/" + contextName + "]")
                || line.contains("[" + contextName + "]") || line.contains("-exec-");
    }

    /** How many times {@code text} occurs in what the console log got after {@code mark}. */
    public int occurrencesSince(final long mark, final String text) {
        final String log = consoleTextSince(mark);
        int count = 0;
        for (int i = log.indexOf(text); i >= 0; i = log.indexOf(text, i + text.length())) {
            count++;
        }
        return count;
    }

    /** The last {@code lines} lines of the console log, for failure messages. */
    public String consoleTail(final int lines) {
        final List<String> all = consoleText().lines().collect(Collectors.toList());
        return "--- last lines of " + consoleLog() + " ---\n"
                + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Stops Tomcat: SIGTERM (a clean shutdown that undeploys the relay), SIGKILL after a grace period. */
    @Override
    public void close() {
        stop();
    }

    /**
     * Stops the Tomcat process: SIGTERM (a clean shutdown that undeploys the relay), then SIGKILL if it
     * has not exited after a grace period. {@link #start()} may start it again.
     */
    public void stop() {
        final Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * SIGKILL at once, to Tomcat's JVM and anything it started: a relay node that dies (kill -9, a
     * machine gone), with no shutdown and no GOAWAY. {@link #start()} may start it again.
     */
    public void kill() {
        final Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        final List<ProcessHandle> all = p.descendants().collect(Collectors.toList());
        all.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
            for (final ProcessHandle h : all) {
                h.onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("Tomcat's processes did not exit after SIGKILL", e);
        }
    }

    private void layOut() throws IOException {
        if (Files.exists(base)) {
            try (Stream<Path> entries = Files.list(base)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalStateException(base + " is not empty");
                }
            }
        }
        for (final Path path : List.of(base, catalinaHome(), war, relayConfig)) {
            if (UNSAFE_PATH.matcher(path.toString()).find()) {
                throw new IllegalArgumentException("catalina.sh cannot take this path: " + path);
            }
        }
        if (confSource == null) {
            copyDistribution();
        } else {
            makeDebianBase();
        }
        rewriteServerXml(base.resolve("conf").resolve("server.xml"));
        if (tomcatUsers != null) {
            Files.writeString(base.resolve("conf").resolve("tomcat-users.xml"), tomcatUsers, StandardCharsets.UTF_8);
        }
        Files.copy(war, deployedWar(), StandardCopyOption.REPLACE_EXISTING);
        final StringBuilder opts = new StringBuilder();
        if (confSource == null) {
            opts.append("-Dptth.relay.config=").append(relayConfig);
        } else {
            Files.copy(relayConfig, relayConfigFile(), StandardCopyOption.REPLACE_EXISTING);
        }
        systemProperties.forEach((k, v) -> {
            if (UNSAFE_PATH.matcher(k + v).find()) {
                throw new IllegalArgumentException("catalina.sh cannot take this property: " + k + "=" + v);
            }
            opts.append(" -D").append(k).append('=').append(v);
        });
        if (opts.length() == 0) {
            return;
        }
        Files.createDirectories(base.resolve("bin"));
        Files.writeString(base.resolve("bin").resolve("setenv.sh"),
                "# written by the ptth end-to-end harness\n"
                        + "CATALINA_OPTS=\"$CATALINA_OPTS " + opts + "\"\n",
                StandardCharsets.UTF_8);
    }

    /** Copies the distribution, leaving out its sample web applications (webapps/ starts empty). */
    private void copyDistribution() throws IOException {
        final Path webapps = distribution.resolve("webapps");
        Files.walkFileTree(distribution, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(final Path dir, final BasicFileAttributes attrs)
                    throws IOException {
                Files.createDirectories(base.resolve(distribution.relativize(dir).toString()));
                return dir.startsWith(webapps) && !dir.equals(webapps)
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException {
                if (!file.getParent().equals(webapps)) {
                    Files.copy(file, base.resolve(distribution.relativize(file).toString()),
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        // Only empty directories of the sample applications were made above: remove them.
        try (Stream<Path> apps = Files.list(base.resolve("webapps"))) {
            for (final Path app : apps.collect(Collectors.toList())) {
                Files.delete(app);
            }
        }
        Files.createDirectories(base.resolve("logs"));
        Files.createDirectories(base.resolve("temp"));
        Files.createDirectories(base.resolve("work"));
    }

    /**
     * A base like Debian's /var/lib/tomcat10: a copy of the conf folder (where Debian links to
     * /etc/tomcat10), and empty lib/, webapps/, logs/, work/ and temp/. CATALINA_HOME stays where it is.
     */
    private void makeDebianBase() throws IOException {
        final Path conf = base.resolve("conf");
        Files.walkFileTree(confSource, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(final Path dir, final BasicFileAttributes attrs)
                    throws IOException {
                Files.createDirectories(conf.resolve(confSource.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException {
                Files.copy(file, conf.resolve(confSource.relativize(file).toString()));
                return FileVisitResult.CONTINUE;
            }
        });
        for (final String dir : List.of("lib", "webapps", "logs", "work", "temp")) {
            Files.createDirectories(base.resolve(dir));
        }
    }

    /**
     * One HTTP/1.1 connector on 127.0.0.1:port with the chosen connectionTimeout, every other connector
     * removed, and the shutdown port disabled (-1): the harness stops Tomcat with a signal.
     */
    private void rewriteServerXml(final Path serverXml) throws IOException {
        try {
            final DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            final Document doc = dbf.newDocumentBuilder().parse(serverXml.toFile());
            final Element server = doc.getDocumentElement();
            server.setAttribute("port", "-1");
            final NodeList services = server.getElementsByTagName("Service");
            if (services.getLength() != 1) {
                throw new IllegalStateException(serverXml + " has " + services.getLength() + " Service elements");
            }
            final Element service = (Element) services.item(0);
            final List<Node> old = new ArrayList<>();
            final NodeList children = service.getChildNodes();
            Node engine = null;
            for (int i = 0; i < children.getLength(); i++) {
                final Node child = children.item(i);
                if (child.getNodeType() == Node.ELEMENT_NODE && "Connector".equals(child.getNodeName())) {
                    old.add(child);
                } else if (child.getNodeType() == Node.ELEMENT_NODE && "Engine".equals(child.getNodeName())) {
                    engine = child;
                }
            }
            old.forEach(service::removeChild);
            final Element connector = doc.createElement("Connector");
            connector.setAttribute("protocol", "HTTP/1.1");
            connector.setAttribute("address", "127.0.0.1");
            connector.setAttribute("port", Integer.toString(port));
            connector.setAttribute("connectionTimeout", Integer.toString(connectionTimeoutMillis));
            connector.setAttribute("maxParameterCount", "1000");
            connectorAttributes.forEach(connector::setAttribute);
            service.insertBefore(connector, engine);
            detailAccessLog(doc);
            insertHostValves(doc);
            final var transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            transformer.transform(new DOMSource(doc), new StreamResult(serverXml.toFile()));
        } catch (final IOException e) {
            throw e;
        } catch (final Exception e) {
            throw new IOException("cannot rewrite " + serverXml, e);
        }
    }

    /**
     * The access log names each call's client port, start and end to the millisecond and tunnel ID,
     * so that a failed test can be traced call by call (which calls shared a kept-alive connection).
     */
    private static void detailAccessLog(final Document doc) {
        final NodeList valves = doc.getElementsByTagName("Valve");
        for (int i = 0; i < valves.getLength(); i++) {
            final Element valve = (Element) valves.item(i);
            if (valve.getAttribute("className").endsWith(".AccessLogValve")) {
                valve.setAttribute("pattern", "%h:%{remote}p %{begin:HH:mm:ss}t.%{begin:msec_frac}t"
                        + " %{end:HH:mm:ss}t.%{end:msec_frac}t \"%r\" %s %b %{Ptth-Connection-Id}o");
            }
        }
    }

    /**
     * Appends the root element of each {@link Builder#hostValve} file (a {@code <Valve>}) to the
     * {@code <Host>} of server.xml, as an operator pastes a snippet such as conf/remote-ip-valve.xml.
     */
    private void insertHostValves(final Document doc) throws Exception {
        if (hostValves.isEmpty()) {
            return;
        }
        final NodeList hosts = doc.getElementsByTagName("Host");
        if (hosts.getLength() != 1) {
            throw new IllegalStateException("server.xml has " + hosts.getLength() + " Host elements");
        }
        final DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        for (final Path file : hostValves) {
            final Element valve = dbf.newDocumentBuilder().parse(file.toFile()).getDocumentElement();
            hosts.item(0).appendChild(doc.importNode(valve, true));
        }
    }

    /**
     * Waits until the relay answers an unauthenticated call with 401 (it is deployed and configured);
     * fails at once if Tomcat exits or the relay answers 503.
     */
    public void awaitRelay(final Duration timeout) {
        final URI probe = relayBase().resolve("v1/x/listen/y");
        final int[] last = {-1};
        Waits.until("the relay at " + relayBase() + " to answer 401", timeout,
                () -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("Tomcat exited with status " + process.exitValue()
                                + " before the relay came up\n" + consoleTail(80));
                    }
                    last[0] = postWithoutKey(probe);
                    if (last[0] == 503) {
                        throw new AssertionError("the relay answers 503: its configuration " + relayConfigFile()
                                + " was refused\n" + consoleTail(80));
                    }
                    return last[0] == 401;
                },
                () -> "last status: " + last[0] + "\n" + consoleTail(80));
    }

    private static int postWithoutKey(final URI uri) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection();
            c.setRequestMethod("POST");
            c.setConnectTimeout(2_000);
            c.setReadTimeout(10_000);
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(0);
            c.getOutputStream().close();
            final int status = c.getResponseCode();
            final InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
            if (body != null) {
                body.readAllBytes();
                body.close();
            }
            return status;
        } catch (final IOException e) {
            return -1;
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    private static String read(final Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "Tomcat " + distribution.getFileName() + " on " + relayBase() + " (base " + base
                + (confSource == null ? "" : ", home " + distribution) + ")";
    }

    /** Settings of one Tomcat; the relay WAR and its config file are required. */
    public static final class Builder {
        private final Path distribution;
        private final Path base;
        private Path confSource;
        private Path war;
        private String contextName = "ptth-relay";
        private Path relayConfig;
        private int connectionTimeoutMillis = 20_000;
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> connectorAttributes = new LinkedHashMap<>();
        private final List<Path> hostValves = new ArrayList<>();
        private String tomcatUsers;

        private Builder(final Path distribution, final Path base) {
            this.distribution = distribution.toAbsolutePath().normalize();
            this.base = base.toAbsolutePath().normalize();
        }

        public Builder war(final Path war) {
            this.war = war.toAbsolutePath().normalize();
            return this;
        }

        /** The context path, and so the WAR's file name in webapps/; "ptth-relay" unless set. */
        public Builder contextName(final String contextName) {
            this.contextName = contextName;
            return this;
        }

        public Builder relayConfig(final Path relayConfig) {
            this.relayConfig = relayConfig.toAbsolutePath().normalize();
            return this;
        }

        /** One more attribute of the HTTP connector, as an operator adds it to server.xml (bindOnInit="false"). */
        public Builder connectorAttribute(final String name, final String value) {
            connectorAttributes.put(name, value);
            return this;
        }

        /** The HTTP connector's connectionTimeout; 20000 (as shipped) unless set. */
        public Builder connectionTimeoutMillis(final int millis) {
            this.connectionTimeoutMillis = millis;
            return this;
        }

        /**
         * A base laid out like Debian's /var/lib/tomcat10 instead of a copy of the distribution: the
         * distribution is CATALINA_HOME as it is (Debian's /usr/share/tomcat10), {@code confFolder}
         * (Debian's /etc/tomcat10) is copied to the base's conf/, and the relay config goes to
         * conf/ptth-relay.properties, the relay's default location, with no system property.
         */
        public Builder debianBase(final Path confFolder) {
            this.confSource = confFolder.toAbsolutePath().normalize();
            return this;
        }

        /**
         * An XML file whose root element (a {@code <Valve>}, comments around it allowed) goes into the
         * {@code <Host>} of server.xml, e.g. conf/remote-ip-valve.xml. May be called more than once.
         */
        public Builder hostValve(final Path xmlFile) {
            this.hostValves.add(xmlFile.toAbsolutePath().normalize());
            return this;
        }

        /**
         * The text of conf/tomcat-users.xml, which the shipped server.xml's UserDatabaseRealm reads:
         * the users and roles an operator grants there (the role ptth-admin for the status page).
         */
        public Builder tomcatUsers(final String xml) {
            this.tomcatUsers = xml;
            return this;
        }

        /** An extra {@code -Dname=value} for Tomcat's JVM. */
        public Builder systemProperty(final String name, final String value) {
            systemProperties.put(name, value);
            return this;
        }

        public StandaloneTomcat build() {
            if (war == null || relayConfig == null) {
                throw new IllegalStateException("war and relayConfig are required");
            }
            if (!Files.isRegularFile(distribution.resolve("bin").resolve("catalina.sh"))) {
                throw new IllegalStateException(distribution + " is not a Tomcat distribution (no bin/catalina.sh)");
            }
            if (confSource != null && !Files.isRegularFile(confSource.resolve("server.xml"))) {
                throw new IllegalStateException(confSource + " is not a Tomcat conf folder (no server.xml)");
            }
            return new StandaloneTomcat(this);
        }

        /** {@link #build()} then {@link StandaloneTomcat#start()}. */
        public StandaloneTomcat start() throws IOException {
            return build().start();
        }
    }
}
