package org.ptth.e2e.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The relay's configuration file (Java properties, path passed to Tomcat as {@code -Dptth.relay.config}).
 * Key lines are appended by {@link Keys}; write the whole file before Tomcat starts.
 */
public final class RelayConfig {

    private final Path file;

    private RelayConfig(final Path file) {
        this.file = file;
    }

    /** A new config file with a header and nothing else. */
    public static RelayConfig create(final Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, "# ptth relay configuration, written by the end-to-end harness\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        return new RelayConfig(file.toAbsolutePath());
    }

    public RelayConfig set(final String key, final String value) throws IOException {
        return append(key + "=" + value + "\n");
    }

    /** Appends text as it is (keygen's stdout, say); a missing final newline is added. */
    public RelayConfig append(final String text) throws IOException {
        Files.writeString(file, text.endsWith("\n") ? text : text + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        return this;
    }

    public Path file() {
        return file;
    }

    /**
     * Writes {@code text} to {@code target} in one step, as an operator's editor might: a new file
     * next to it, moved over it. A running relay never reads half of it, and sees a new file.
     */
    public static void replace(final Path target, final String text) throws IOException {
        final Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.writeString(partial, text, StandardCharsets.UTF_8);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public String text() throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
