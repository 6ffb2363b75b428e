package org.ptth.bench.chain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.ptth.bench.probes.Command;

/**
 * A private PostgreSQL cluster under the bench's directory, on a free loopback port, trusting local
 * TCP logins. initdb refuses root: then the cluster belongs to a dedicated system user, ptth-bench,
 * made once with useradd; otherwise to the current user. No system cluster or config is touched.
 */
public final class Postgres {

    public static final String DATABASE = "postgres";
    public static final String USER = "bench";
    /** The user the server runs as when the bench runs as root. */
    static final String SYSTEM_USER = "ptth-bench";

    private Postgres() {
    }

    /** The directory of initdb and postgres, or null when PostgreSQL is not installed. */
    public static Path binaries() {
        final Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return null;
        }
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max((a, b) -> Integer.compare(version(a), version(b))).orElse(null);
        } catch (final IOException e) {
            return null;
        }
    }

    private static int version(final Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (final NumberFormatException e) {
            return 0;
        }
    }

    /** initdb and start; returns the port once the server accepts connections. */
    public static int start(final Processes processes, final Path bin, final Path dir) throws IOException {
        final boolean root = "root".equals(System.getProperty("user.name"));
        final List<String> as = new ArrayList<>();
        if (root) {
            if (Command.outcome(List.of("id", "-u", SYSTEM_USER), Map.of(), 30).status() != 0) {
                Command.run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        SYSTEM_USER), 60);
            }
            as.addAll(List.of("setpriv", "--reuid=" + SYSTEM_USER, "--regid=" + SYSTEM_USER, "--init-groups", "--"));
        }
        Files.createDirectories(dir.getParent());
        if (root) {
            Files.createDirectories(dir);
            Command.run(List.of("chown", SYSTEM_USER + ":" + SYSTEM_USER, dir.toString()), 30);
        }
        final List<String> initdb = new ArrayList<>(as);
        initdb.addAll(List.of(bin.resolve("initdb").toString(), "-D", dir.toString(), "-U", USER,
                "--auth=trust", "--encoding=UTF8", "--locale=C"));
        Command.run(initdb, 300);
        final int port = Processes.freePort();
        final List<String> server = new ArrayList<>(as);
        // synchronous_commit off: the bench measures the way to the server, not this machine's fsync
        server.addAll(List.of(bin.resolve("postgres").toString(), "-D", dir.toString(), "-p", Integer.toString(port),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir,
                "-c", "synchronous_commit=off", "-c", "max_connections=100"));
        final Process p = processes.start("postgres", server, Map.of(), dir.getParent());
        Processes.await("postgres", 120, p, processes.log("postgres"), () -> ready(bin, port));
        return port;
    }

    private static boolean ready(final Path bin, final int port) {
        try {
            return Command.outcome(List.of(bin.resolve("pg_isready").toString(), "-h", "127.0.0.1", "-p",
                    Integer.toString(port), "-U", USER), Map.of(), 30).status() == 0;
        } catch (final IOException e) {
            return false;
        }
    }
}
