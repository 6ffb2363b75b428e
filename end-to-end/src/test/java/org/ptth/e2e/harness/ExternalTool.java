package org.ptth.e2e.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A program that some tests need and the machine may lack (chromium, chromedriver, promtool): where
 * it is, or the one line a skipped test prints about it.
 */
public final class ExternalTool {
    private ExternalTool() {
    }

    /** The first of {@code candidates} that is an executable file, or null. */
    public static Path find(final String... candidates) {
        for (final String candidate : candidates) {
            if (candidate.contains("/")) {
                final Path path = Path.of(candidate);
                if (Files.isExecutable(path)) {
                    return path;
                }
                continue;
            }
            for (final String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                final Path path = Path.of(dir, candidate);
                if (Files.isExecutable(path)) {
                    return path;
                }
            }
        }
        return null;
    }

    /** "chromium is missing: apt-get install chromium" and so on, for each tool not found. */
    public static String missing(final List<String> what) {
        return String.join("; ", what);
    }
}
