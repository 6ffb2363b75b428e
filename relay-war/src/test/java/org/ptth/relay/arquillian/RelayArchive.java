package org.ptth.relay.arquillian;

import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.FileAsset;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The relay as a web application, built from what Maven compiled (target/classes, so no test class
 * gets in), with a web.xml whose context parameter names the configuration file.
 */
public final class RelayArchive {
    private static final Path CLASSES = Path.of("target", "classes");

    private RelayArchive() {
    }

    public static WebArchive create(final String contextName, final Path configFile) throws IOException {
        if (System.getProperty("ptth.relay.config") != null) {
            throw new IllegalStateException("the system property ptth.relay.config would override the test's context parameter");
        }
        final WebArchive war = ShrinkWrap.create(WebArchive.class, contextName + ".war");
        final List<Path> files = compiledRelay();
        for (final Path file : files) {
            final String relative = CLASSES.relativize(file).toString().replace('\\', '/');
            war.add(new FileAsset(file.toFile()), "WEB-INF/classes/" + relative);
        }
        war.addAsLibrary(protocolLibrary());
        // The metrics library's jars, as Maven puts them in WEB-INF/lib.
        for (final String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.replace('\\', '/').contains("/io/prometheus/") && entry.endsWith(".jar")) {
                war.addAsLibrary(new java.io.File(entry));
            }
        }
        war.setWebXML(new StringAsset(webXml(configFile)));
        return war;
    }

    /** The protocol module, which the relay needs as a library: its jar, or its classes when the reactor built it. */
    private static JavaArchive protocolLibrary() throws IOException {
        final Path where;
        try {
            where = Path.of(org.ptth.protocol.mux.Frames.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (final java.net.URISyntaxException e) {
            throw new IOException(e);
        }
        if (Files.isRegularFile(where)) {
            return ShrinkWrap.createFromZipFile(JavaArchive.class, where.toFile());
        }
        final JavaArchive jar = ShrinkWrap.create(JavaArchive.class, "ptth-protocol.jar");
        try (Stream<Path> walk = Files.walk(where)) {
            for (final Path file : walk.filter(Files::isRegularFile).toList()) {
                jar.add(new FileAsset(file.toFile()), where.relativize(file).toString().replace('\\', '/'));
            }
        }
        return jar;
    }

    /**
     * The files under target/classes. Another build in the same module (a developer's mvn test in a
     * second shell) may be recompiling them just now: wait a while for them to be back.
     */
    private static List<Path> compiledRelay() throws IOException {
        for (int attempt = 0; ; attempt++) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(CLASSES)) {
                files = walk.filter(Files::isRegularFile).toList();
            } catch (final java.io.UncheckedIOException e) {
                files = List.of();
            }
            if (files.stream().anyMatch(f -> f.toString().endsWith("RelayServlet.class"))) {
                return files;
            }
            if (attempt == 60) {
                throw new IllegalStateException("no compiled relay under " + CLASSES.toAbsolutePath());
            }
            try {
                Thread.sleep(500);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + CLASSES, e);
            }
        }
    }

    private static String webXml(final Path configFile) {
        final String path = configFile.toAbsolutePath().toString()
                .replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee"
                         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                         xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
                         version="6.0">
                  <context-param>
                    <param-name>ptth.relay.config</param-name>
                    <param-value>%s</param-value>
                  </context-param>
                </web-app>
                """.formatted(path);
    }
}
