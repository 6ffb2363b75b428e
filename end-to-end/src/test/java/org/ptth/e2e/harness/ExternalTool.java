package org.ptth.e2e.harness;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A program that some tests need and the machine may lack (nginx, apache2, haproxy, openssl, chromium,
 * chromedriver, promtool, Debian's tomcat10): where it is, or the one line a skipped test prints about it.
 *
 * <p>A test whose program is missing is skipped (a JUnit assumption) with that line, except under CI
 * ({@code CI=true}, as .ci/run runs): there scripts/test has installed every program, and a missing one
 * is a failure, so that CI never skips a test silently.
 */
public final class ExternalTool {
    /** Where Debian puts daemons (nginx, apache2, haproxy), which a user's PATH often lacks. */
    private static final List<String> SBIN = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    private ExternalTool() {
    }

    /** The first of {@code candidates} that is an executable file (on PATH or in an sbin directory), or null. */
    public static Path find(final String... candidates) {
        for (final String candidate : candidates) {
            if (candidate.contains("/")) {
                final Path path = Path.of(candidate);
                if (Files.isExecutable(path)) {
                    return path;
                }
                continue;
            }
            final List<String> dirs = new ArrayList<>(List.of(
                    System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")));
            dirs.addAll(SBIN);
            for (final String dir : dirs) {
                if (dir.isEmpty()) {
                    continue;
                }
                final Path path = Path.of(dir, candidate);
                if (Files.isExecutable(path)) {
                    return path;
                }
            }
        }
        return null;
    }

    /**
     * The program, or the calling test is skipped (failed under CI) with "PROGRAM not found: sudo
     * apt-get install PACKAGE".
     */
    public static Path require(final String program, final String debianPackage) {
        final Path path = find(program);
        assumePresent(path != null, program + " not found (on PATH or in /usr/sbin): sudo apt-get install "
                + debianPackage);
        return path;
    }

    /**
     * Skips the calling test with {@code missing} (what is absent and how to install it) when
     * {@code present} is false; under CI fails with it instead.
     */
    public static void assumePresent(final boolean present, final String missing) {
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(missing + " (CI=true: scripts/test installs it, so it must be there)");
        }
        assumeTrue(present, missing);
    }

    /** "chromium is missing: apt-get install chromium" and so on, for each tool not found. */
    public static String missing(final List<String> what) {
        return String.join("; ", what);
    }
}
