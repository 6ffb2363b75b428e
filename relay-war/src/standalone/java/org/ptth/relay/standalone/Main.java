package org.ptth.relay.standalone;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * {@code java -jar ptth-relay.war}: runs the relay WAR itself on an embedded Tomcat.
 *
 * <p>This class sits at the root of the WAR, where {@code java -jar} finds it and a servlet
 * container does not look. It uses only the JDK: the embedded Tomcat jars are stored in the WAR
 * under {@code WEB-INF/lib-standalone/} (never {@code WEB-INF/lib/}, so that a real Tomcat does not
 * load them as the application's own libraries), are copied to a temporary directory because a jar
 * inside a jar cannot be put on a class path, and are loaded by a class loader of their own; Tomcat
 * is then driven by reflection and deploys this very WAR with {@code Tomcat.addWebapp}.
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    static final String CONFIG_PROPERTY = "ptth.relay.config";
    static final String DEFAULT_CONFIG = "ptth-relay.properties";
    static final String LIB_FOLDER = "WEB-INF/lib-standalone/";

    private static final String USAGE = String.join(System.lineSeparator(),
            "Usage: java [JVM options] -jar ptth-relay.war [--port PORT] [--host ADDRESS]",
            "                                              [--context-path PATH] [--config FILE]",
            "                                              [--users FILE]",
            "Runs the ptth relay on an embedded Tomcat 10.1. The same WAR deploys unchanged into",
            "a Tomcat 10.1 or 11 of your own.",
            "",
            "  --port PORT          TCP port to listen on (default 8080; 0 picks a free one)",
            "  --host ADDRESS       address to listen on (default 127.0.0.1, for a reverse proxy on",
            "                       the same machine; 0.0.0.0 for every IPv4 interface)",
            "  --context-path PATH  where the relay is mounted (default /ptth-relay; / for the root),",
            "                       so the endpoints are http://HOST:PORT/ptth-relay/v1/...",
            "  --config FILE        the relay configuration (see conf/ptth-relay.properties); default",
            "                       -Dptth.relay.config=FILE if given, else ./ptth-relay.properties.",
            "                       Edits are picked up within 2 s; a bad edit is rejected and logged.",
            "  --users FILE         who may see the status page (BASE, role ptth-admin): a file in",
            "                       the form of Tomcat's tomcat-users.xml, each password given as the",
            "                       SHA-256 of the password in hex (printf %s 'secret' | sha256sum);",
            "                       without it nobody can log in to the page",
            "  -h, --help           print this help and exit",
            "",
            "Logs go to stderr (java.util.logging; -Djava.util.logging.config.file=FILE changes that).",
            "Ctrl-C or SIGTERM stops the relay: every open tunnel ends, then Tomcat stops.",
            "Exit codes: 0 stopped or help, 1 could not start, 2 bad command line.",
            "");

    private Main() {
    }

    public static void main(final String[] args) {
        final Options options;
        try {
            options = Options.parse(args);
        } catch (final UsageException e) {
            System.err.println("ptth-relay: " + e.getMessage() + " (see --help)");
            System.exit(EXIT_USAGE);
            return;
        }
        if (options.help()) {
            System.out.print(USAGE);
            System.out.flush();
            return;
        }
        setUpLogging();
        final Standalone relay = new Standalone(options);
        // Before the start, so that Ctrl-C during it still cleans up (the hook waits for the start).
        Runtime.getRuntime().addShutdownHook(new Thread(relay::stop, "ptth-relay-shutdown"));
        try {
            relay.start();
        } catch (final StartException e) {
            log().severe("ptth relay could not start: " + e.getMessage());
            System.exit(EXIT_FAILED);
            return;
        }
        relay.awaitStop();
    }

    /** One-line log records on stderr, unless the operator configured java.util.logging. */
    private static void setUpLogging() {
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", StandaloneLogManager.class.getName());
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format",
                    "%1$tF %1$tT.%1$tL %4$s [%3$s] %5$s%6$s%n");
        }
    }

    /** Not a static field: the logging set-up above must come before the first logger. */
    static Logger log() {
        return Logger.getLogger("org.ptth.relay.standalone");
    }

    /** The command line, checked. */
    record Options(boolean help, int port, String host, String contextPath, Path config, Path users) {
        static Options parse(final String[] args) throws UsageException {
            final Map<String, String> given = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                final String arg = args[i];
                if (arg.equals("-h") || arg.equals("--help")) {
                    return new Options(true, 0, null, null, null, null);
                }
                if (!arg.startsWith("--")) {
                    throw new UsageException("unexpected argument '" + arg + "'");
                }
                final int eq = arg.indexOf('=');
                final String name = eq < 0 ? arg : arg.substring(0, eq);
                if (!List.of("--port", "--host", "--context-path", "--config", "--users").contains(name)) {
                    throw new UsageException("unknown option " + name);
                }
                final String value;
                if (eq >= 0) {
                    value = arg.substring(eq + 1);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException(name + " needs a value");
                }
                if (given.put(name, value) != null) {
                    throw new UsageException(name + " is given twice");
                }
            }
            return new Options(false,
                    port(given.getOrDefault("--port", "8080")),
                    host(given.getOrDefault("--host", "127.0.0.1")),
                    contextPath(given.getOrDefault("--context-path", "/ptth-relay")),
                    config(given.get("--config")),
                    existingFile("--users", given.get("--users")));
        }

        private static int port(final String value) throws UsageException {
            try {
                final int port = Integer.parseInt(value.strip());
                if (port >= 0 && port <= 65535) {
                    return port;
                }
            } catch (final NumberFormatException e) {
                // fall through to the message
            }
            throw new UsageException("--port: '" + value + "' is not a port number (0 to 65535)");
        }

        private static String host(final String value) throws UsageException {
            final String host = value.strip();
            if (host.isEmpty() || host.chars().anyMatch(c -> c <= ' ' || c == '/')) {
                throw new UsageException("--host: '" + value + "' is not a host name or address");
            }
            return host;
        }

        /** Tomcat's form: "" for the root, else "/name" without a trailing slash. */
        private static String contextPath(final String value) throws UsageException {
            String path = value.strip();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            if (path.isEmpty()) {
                return "";
            }
            if (!path.startsWith("/") || !path.matches("(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+")) {
                throw new UsageException("--context-path: '" + value + "' is not a path such as /ptth-relay or /");
            }
            return path;
        }

        private static Path config(final String value) throws UsageException {
            return existingFile("--config", value);
        }

        private static Path existingFile(final String option, final String value) throws UsageException {
            if (value == null) {
                return null;
            }
            final Path file = Path.of(value.strip()).toAbsolutePath().normalize();
            if (!Files.isRegularFile(file)) {
                throw new UsageException(option + ": no such file: " + file);
            }
            return file;
        }
    }

    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(final String message) {
            super(message);
        }
    }

    static final class StartException extends Exception {
        private static final long serialVersionUID = 1L;

        StartException(final String message) {
            super(message);
        }
    }

    /** One embedded Tomcat with the relay on it, and the temporary files it needs. */
    static final class Standalone {
        private final Options options;
        private final CountDownLatch stopped = new CountDownLatch(1);
        private Path tempDir;
        private URLClassLoader tomcatLoader;
        private Object tomcat;
        private boolean stopping;

        Standalone(final Options options) {
            this.options = options;
        }

        synchronized void start() throws StartException {
            if (stopping) {
                return;
            }
            final Path war = ownWar();
            final String config = chooseConfig();
            try {
                tempDir = Files.createTempDirectory("ptth-relay-standalone-");
                final Path baseDir = Files.createDirectories(tempDir.resolve("tomcat"));
                Files.createDirectories(baseDir.resolve("webapps"));
                tomcatLoader = new URLClassLoader("ptth-relay-standalone", extractTomcat(war, tempDir.resolve("lib")),
                        ClassLoader.getSystemClassLoader());
                Thread.currentThread().setContextClassLoader(tomcatLoader);
                final int port = startTomcat(war, baseDir);
                log().info("ptth relay listening on http://" + urlHost(options.host()) + ":" + port
                        + options.contextPath() + "/ (configuration " + config + ")");
            } catch (final IOException e) {
                throw new StartException(e.toString());
            } catch (final ReflectiveOperationException e) {
                throw new StartException(describe(e));
            }
        }

        /** The configuration file the relay will read, set as its system property. */
        private String chooseConfig() {
            if (options.config() != null) {
                System.setProperty(CONFIG_PROPERTY, options.config().toString());
                return options.config().toString();
            }
            final String preset = System.getProperty(CONFIG_PROPERTY);
            if (preset != null && !preset.isBlank()) {
                return preset.strip();
            }
            // The relay's last resort, ${catalina.base}/conf/ptth-relay.properties, would name the
            // throw-away base directory below: point it at the working directory instead, so that
            // a missing file is reported (503 with the reason) where it can be created.
            final Path local = Path.of(DEFAULT_CONFIG).toAbsolutePath().normalize();
            if (!Files.isRegularFile(local)) {
                log().warning("no " + local + " and no --config: the relay answers 503 until that file exists");
            }
            System.setProperty(CONFIG_PROPERTY, local.toString());
            return local.toString();
        }

        private static Path ownWar() throws StartException {
            final CodeSource source = Main.class.getProtectionDomain().getCodeSource();
            try {
                final Path war = source == null ? null : Path.of(source.getLocation().toURI());
                if (war == null || !Files.isRegularFile(war)) {
                    throw new StartException("run this with java -jar ptth-relay.war (found " + war + ")");
                }
                return war;
            } catch (final URISyntaxException | IllegalArgumentException e) {
                throw new StartException("cannot locate the WAR: " + e);
            }
        }

        /** Copies WEB-INF/lib-standalone/*.jar out of the WAR and returns their URLs. */
        private static URL[] extractTomcat(final Path war, final Path libDir) throws IOException, StartException {
            Files.createDirectories(libDir);
            final List<URL> urls = new ArrayList<>();
            try (JarFile jar = new JarFile(war.toFile())) {
                final Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    final JarEntry entry = entries.nextElement();
                    final String name = entry.getName();
                    if (entry.isDirectory() || !name.startsWith(LIB_FOLDER) || !name.endsWith(".jar")
                            || name.indexOf('/', LIB_FOLDER.length()) >= 0) {
                        continue;
                    }
                    final Path target = libDir.resolve(name.substring(LIB_FOLDER.length()));
                    try (InputStream in = jar.getInputStream(entry)) {
                        Files.copy(in, target);
                    }
                    urls.add(target.toUri().toURL());
                }
            }
            if (urls.isEmpty()) {
                throw new StartException(war + " holds no " + LIB_FOLDER + "*.jar: not a standalone-capable build");
            }
            return urls.toArray(new URL[0]);
        }

        /** Tomcat through reflection: the launcher is loaded by the JVM's class loader, Tomcat is not. */
        private int startTomcat(final Path war, final Path baseDir) throws ReflectiveOperationException, StartException {
            final Class<?> tomcatClass = tomcatLoader.loadClass("org.apache.catalina.startup.Tomcat");
            final Class<?> connectorClass = tomcatLoader.loadClass("org.apache.catalina.connector.Connector");
            tomcat = tomcatClass.getConstructor().newInstance();
            call(tomcat, "setBaseDir", types(String.class), baseDir.toString());
            // The web application's class loader delegates to this parent (jakarta.servlet.* and
            // Tomcat's own classes); without it Tomcat would use the JVM's class loader, which has
            // neither.
            call(call(tomcat, "getServer", types()), "setParentClassLoader", types(ClassLoader.class), tomcatLoader);

            final Object connector = connectorClass.getConstructor(String.class).newInstance("HTTP/1.1");
            call(connector, "setPort", types(int.class), options.port());
            final Map<String, String> settings = new LinkedHashMap<>();
            settings.put("address", options.host());
            // As conf/tomcat-connector.xml explains: the proxies send a heartbeat every 10 s on
            // each open request body, so a 20 s read timeout holds; a tunnel is four connections
            // in four-stream mode, plus parked listen polls; no thread is held per stream.
            settings.put("connectionTimeout", "20000");
            settings.put("maxConnections", "10000");
            settings.put("maxThreads", "200");
            // A body left unread by a call outside the relay's context (which no filter of the relay
            // sees) is not swallowed: the connection is closed after one read instead of holding a
            // request thread for as long as a trickle lasts.
            settings.put("maxSwallowSize", "0");
            // The listening socket closes as the stop begins, while the relay drains: new connections
            // are refused at once instead of waiting unanswered through shutdown.grace.
            settings.put("bindOnInit", "false");
            for (final Map.Entry<String, String> setting : settings.entrySet()) {
                final Object known = call(connector, "setProperty", types(String.class, String.class),
                        setting.getKey(), setting.getValue());
                if (!Boolean.TRUE.equals(known)) {
                    throw new StartException("Tomcat's connector does not know the setting " + setting.getKey());
                }
            }
            call(tomcat, "setConnector", types(connectorClass), connector);
            if (options.users() != null) {
                useUsersFile(options.users());
            }

            // No default web.xml: the relay needs neither Tomcat's JSP servlet (not embedded here)
            // nor its default servlet, which would serve the launcher's classes at the WAR root.
            // Whatever is not under /v1/ gets the relay's own 404 (NotFoundServlet).
            call(tomcat, "setAddDefaultWebXmlToWebapp", types(boolean.class), false);
            final Object context = call(tomcat, "addWebapp", types(String.class, String.class),
                    options.contextPath(), war.toString());
            // The Tomcat jars on the parent class path hold no TLDs nor web fragments: don't scan.
            final Object scanner = call(context, "getJarScanner", types());
            try {
                call(scanner, "setScanClassPath", types(boolean.class), false);
            } catch (final NoSuchMethodException e) {
                // another JarScanner: leave it as it is
            }

            call(tomcat, "start", types());
            if (!"STARTED".equals(state(connector))) {
                throw new StartException("cannot listen on " + options.host() + " port " + options.port()
                        + " (see the log above)");
            }
            if (!"STARTED".equals(state(context))) {
                throw new StartException("the relay web application failed to start (see the log above)");
            }
            return (Integer) call(connector, "getLocalPort", types());
        }

        /**
         * The status page's users: Tomcat's MemoryRealm reads the file (tomcat-users.xml's form), and
         * compares the SHA-256 of the password given with the one stored, so that the file holds no
         * password. It takes the place of the embedded Tomcat's own realm, which knows nobody.
         */
        private void useUsersFile(final Path users) throws ReflectiveOperationException {
            final Object realm = tomcatLoader.loadClass("org.apache.catalina.realm.MemoryRealm")
                    .getConstructor().newInstance();
            call(realm, "setPathname", types(String.class), users.toString());
            final Object digest = tomcatLoader.loadClass("org.apache.catalina.realm.MessageDigestCredentialHandler")
                    .getConstructor().newInstance();
            call(digest, "setAlgorithm", types(String.class), "SHA-256");
            call(realm, "setCredentialHandler",
                    types(tomcatLoader.loadClass("org.apache.catalina.CredentialHandler")), digest);
            call(call(tomcat, "getEngine", types()), "setRealm",
                    types(tomcatLoader.loadClass("org.apache.catalina.Realm")), realm);
        }

        /** Blocks the main thread; Tomcat's threads are daemons. */
        void awaitStop() {
            try {
                stopped.await();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** From the shutdown hook (also after a failed start): stop Tomcat, then remove the temporary files. */
        synchronized void stop() {
            if (stopping) {
                return;
            }
            stopping = true;
            if (tomcat != null) {
                log().info("ptth relay stopping");
                try {
                    call(tomcat, "stop", types());
                } catch (final ReflectiveOperationException | RuntimeException e) {
                    log().log(Level.WARNING, "Tomcat did not stop cleanly: " + describe(e));
                }
                try {
                    call(tomcat, "destroy", types());
                } catch (final ReflectiveOperationException | RuntimeException e) {
                    log().log(Level.WARNING, "Tomcat was not destroyed cleanly: " + describe(e));
                }
            }
            if (tomcatLoader != null) {
                try {
                    tomcatLoader.close();
                } catch (final IOException e) {
                    // the files go anyway
                }
            }
            deleteTree(tempDir);
            if (tomcat != null) {
                log().info("ptth relay stopped");
            }
            if (LogManager.getLogManager() instanceof StandaloneLogManager manager) {
                manager.resetNow();
            }
            stopped.countDown();
        }

        private static void deleteTree(final Path dir) {
            if (dir == null) {
                return;
            }
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (final IOException | RuntimeException e) {
                log().warning("could not remove " + dir + ": " + e);
            }
        }

        private static String urlHost(final String host) {
            return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        }
    }

    private static Class<?>[] types(final Class<?>... types) {
        return types;
    }

    /** A public method of a Tomcat object; the exception it threw comes out unwrapped. */
    static Object call(final Object target, final String method, final Class<?>[] types, final Object... args)
            throws ReflectiveOperationException {
        final Method m = target.getClass().getMethod(method, types);
        try {
            return m.invoke(target, args);
        } catch (final InvocationTargetException e) {
            final Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private static String state(final Object lifecycle) throws ReflectiveOperationException {
        return String.valueOf(((Enum<?>) call(lifecycle, "getState", types())).name());
    }

    private static String describe(final Throwable e) {
        Throwable root = e instanceof InvocationTargetException && e.getCause() != null ? e.getCause() : e;
        final StringBuilder text = new StringBuilder(String.valueOf(root));
        for (Throwable cause = root.getCause(); cause != null && cause != root; root = cause, cause = cause.getCause()) {
            text.append("; caused by ").append(cause);
        }
        return text.toString();
    }
}
