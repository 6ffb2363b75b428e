package org.ptth.bench.load;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ptth.bench.probes.Command;

/** redis-benchmark against one way to the bench's redis-server: requests per second of GET and SET. */
public final class RedisBenchmark {

    private RedisBenchmark() {
    }

    /**
     * {@code redis-benchmark -h 127.0.0.1 -p PORT -c CLIENTS -P PIPELINE -n REQUESTS -t get,set --csv}.
     *
     * @return requests per second by test name ("GET", "SET")
     */
    public static Map<String, Double> run(final int port, final int clients, final int pipeline, final int requests)
            throws IOException {
        final List<String> command = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p",
                Integer.toString(port), "-c", Integer.toString(clients), "-n", Integer.toString(requests),
                "-t", "get,set", "--csv"));
        if (pipeline > 1) {
            command.add("-P");
            command.add(Integer.toString(pipeline));
        }
        final String out = Command.run(command, 900);
        final Map<String, Double> rps = parse(out);
        if (!rps.containsKey("GET") || !rps.containsKey("SET")) {
            throw new IOException("redis-benchmark printed no GET and SET rates: " + Command.tail(out));
        }
        return rps;
    }

    /** The CSV lines {@code "TEST","RPS",...}; the header and anything else are left out. */
    static Map<String, Double> parse(final String csv) {
        final Map<String, Double> rps = new LinkedHashMap<>();
        for (final String line : csv.split("[\r\n]+")) {
            final String[] f = line.split(",");
            if (f.length < 2) {
                continue;
            }
            final String test = f[0].replace("\"", "").trim();
            final String rate = f[1].replace("\"", "").trim();
            if (!test.isEmpty() && rate.matches("[0-9]+(\\.[0-9]+)?")) {
                rps.put(test, Double.parseDouble(rate));
            }
        }
        return rps;
    }
}
