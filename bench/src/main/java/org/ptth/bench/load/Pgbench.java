package org.ptth.bench.load;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ptth.bench.probes.Command;

/** pgbench (TPC-B like) against one way to the bench's PostgreSQL cluster. */
public final class Pgbench {

    private static final Pattern TPS = Pattern.compile("(?m)^tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern FAILED = Pattern.compile("(?m)^number of failed transactions: (\\d+)");

    private Pgbench() {
    }

    /** Creates the pgbench tables at {@code scale} (pgbench -i), straight to the server. */
    public static void init(final int port, final String user, final String database, final int scale)
            throws IOException {
        Command.run(List.of("pgbench", "-i", "-q", "-s", Integer.toString(scale), "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-U", user, database), 600);
    }

    /** {@code pgbench -c CLIENTS -j THREADS -T SECONDS}: transactions per second. */
    public static double run(final int port, final String user, final String database, final int clients,
                             final int threads, final int seconds) throws IOException {
        final Command.Outcome o = Command.outcome(List.of("pgbench", "-c", Integer.toString(clients), "-j",
                Integer.toString(threads), "-T", Integer.toString(seconds), "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-U", user, database), Map.of("PGCONNECT_TIMEOUT", "30"), seconds + 300);
        if (o.status() != 0) {
            throw new IOException("pgbench exited with " + o.status() + ": " + Command.tail(o.output()));
        }
        return tps(o.output());
    }

    static double tps(final String output) throws IOException {
        final Matcher failed = FAILED.matcher(output);
        if (failed.find() && Long.parseLong(failed.group(1)) > 0) {
            throw new IOException("pgbench: " + failed.group(1) + " transactions failed");
        }
        final Matcher m = TPS.matcher(output);
        if (!m.find()) {
            throw new IOException("pgbench printed no tps: " + Command.tail(output));
        }
        return Double.parseDouble(m.group(1));
    }
}
