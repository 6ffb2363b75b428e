package org.ptth.e2e.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the things under test are, as the build passes them in (failsafe systemPropertyVariables).
 * Every getter fails with a message that says which property is missing or which file is absent.
 */
public final class TestEnvironment {

    public static final String TOMCAT10_HOME = "ptth.e2e.tomcat10.home";
    public static final String TOMCAT11_HOME = "ptth.e2e.tomcat11.home";
    public static final String RELAY_WAR = "ptth.e2e.relay.war";
    public static final String PROXY_JAR = "ptth.e2e.proxy.jar";
    public static final String WORK_DIR = "ptth.e2e.work.dir";
    public static final String CONF_DIR = "ptth.e2e.conf.dir";

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private TestEnvironment() {
    }

    public static Path tomcat10Home() {
        return existing(TOMCAT10_HOME);
    }

    public static Path tomcat11Home() {
        return existing(TOMCAT11_HOME);
    }

    public static Path relayWar() {
        return existing(RELAY_WAR);
    }

    public static Path proxyJar() {
        return existing(PROXY_JAR);
    }

    /** The project's conf/ directory: the files operators copy, which some tests run as they are. */
    public static Path confDir() {
        return existing(CONF_DIR);
    }

    /** The java launcher of the JVM running the tests; the proxies and Tomcat run on it too. */
    public static Path javaHome() {
        return Path.of(System.getProperty("java.home"));
    }

    public static Path javaExecutable() {
        return javaHome().resolve("bin").resolve("java");
    }

    /**
     * A new, empty directory for one test class (or one test), under the module's target/e2e, named
     * so that the logs of a run are easy to find: {@code NAME-yyyyMMdd-HHmmss-N}.
     */
    public static Path newWorkDir(final String name) throws IOException {
        final String base = System.getProperty(WORK_DIR, "target/e2e");
        final String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        final Path dir = Path.of(base).toAbsolutePath()
                .resolve(name + "-" + stamp + "-" + SEQUENCE.incrementAndGet());
        Files.createDirectories(dir);
        return dir;
    }

    private static Path existing(final String property) {
        final String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property
                    + " is not set: run the tests through Maven (scripts/test), which sets it");
        }
        final Path path = Path.of(value).toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new IllegalStateException(property + " points to " + path
                    + ", which does not exist: build the reactor first (scripts/test runs mvn verify)");
        }
        return path;
    }
}
