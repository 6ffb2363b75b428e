package org.ptth.bench.probes;

import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** iperf3 as the throughput client. */
public final class Iperf {

    private static final Pattern RECEIVED = Pattern.compile(
            "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)");

    private Iperf() {
    }

    /** iperf3 -c to 127.0.0.1:port for {@code seconds} with {@code streams} streams: received bytes per second. */
    public static double bytesPerSecond(final int port, final int seconds, final int streams) throws IOException {
        String json = "";
        // the server takes one test at a time, and notices the end of the last one late through a tunnel
        for (int attempt = 0; attempt < 20; attempt++) {
            final Command.Outcome o = Command.outcome(List.of("iperf3", "-c", "127.0.0.1", "-p",
                    Integer.toString(port), "-t", Integer.toString(seconds), "-P", Integer.toString(streams), "-J"),
                    java.util.Map.of(), seconds + 60);
            json = o.output();
            if (!json.contains("server is busy")) {
                break;
            }
            try {
                Thread.sleep(500);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        return received(json);
    }

    static double received(final String json) throws IOException {
        final Matcher m = RECEIVED.matcher(json);
        if (!m.find()) {
            throw new IOException("iperf3 printed no sum_received: " + Command.tail(json));
        }
        return Double.parseDouble(m.group(1)) / 8;
    }
}
