package org.ptth.bench.measure;

import static org.ptth.bench.report.Figures.*;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.ptth.bench.chain.Processes;
import org.ptth.bench.chain.Ptth;
import org.ptth.bench.chain.RelayTomcat;
import org.ptth.bench.chain.Services;
import org.ptth.bench.load.EchoClient;
import org.ptth.bench.probes.Command;
import org.ptth.bench.report.Figure;
import org.ptth.bench.report.Results;
import org.ptth.bench.stats.Samples;
import org.ptth.e2e.harness.ReverseProxy;

/**
 * Setup and round trip through each front as conf/ ships it (nginx, Apache httpd, HAProxy), started
 * on loopback the way the end-to-end tests start them, in front of the transport's relay; and the
 * same figures straight to that relay, measured the same way just before.
 */
public final class Fronts {

    /** The server name the proxies behind each front use (the relay holds a key for each). */
    public static String serverName(final String front) {
        return "bench-" + front.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z]", "");
    }

    private final Results results;
    private final boolean quick;
    private final Processes processes;
    private final Path launcher;
    private final Path jar;
    private final Ptth.Keys keys;
    private final Path dir;

    public Fronts(final Results results, final boolean quick, final Processes processes, final Path launcher,
                  final Path jar, final Ptth.Keys keys, final Path dir) {
        this.results = results;
        this.quick = quick;
        this.processes = processes;
        this.launcher = launcher;
        this.jar = jar;
        this.keys = keys;
        this.dir = dir;
    }

    /** The command each front needs. */
    public static String program(final String front) {
        return switch (front) {
            case "nginx" -> "nginx";
            case "Apache httpd" -> "apache2";
            default -> "haproxy";
        };
    }

    public void run(final String transport, final RelayTomcat relay, final int echoPort) {
        measure(transport, NO_FRONT, relay.base(), echoPort);
        for (final String front : FRONTS) {
            if (!Command.exists(program(front))) {
                results.skipped(front + " via " + transport + ": " + program(front) + " is not installed");
                continue;
            }
            final int mark = processes.mark();
            try {
                final ReverseProxy proxy = start(front, transport, relay.address());
                processes.closeLater(proxy);
                measure(transport, front, proxy.relayBase("ptth-relay"), echoPort);
            } catch (final IOException | RuntimeException | Error e) {
                results.failure("front " + front + " via " + transport + ": " + e.getMessage());
                Progress.say("front " + front + " via " + transport + " failed: " + e.getMessage());
            } finally {
                processes.closeSince(mark);
            }
        }
    }

    private ReverseProxy start(final String front, final String transport, final String tomcat) throws IOException {
        final Path d = dir.resolve(transport + "-" + serverName(front));
        return switch (front) {
            case "nginx" -> ReverseProxy.nginx(front, d, ReverseProxy.snippet("nginx-ptth-relay.conf", tomcat), null);
            case "Apache httpd" -> ReverseProxy.apache(front, d,
                    ReverseProxy.snippet("apache-ptth-relay.conf", tomcat));
            default -> ReverseProxy.haproxy(front, d, ReverseProxy.snippet("haproxy-ptth-relay.cfg", tomcat));
        };
    }

    /** A server and a client proxy through {@code relay} (a front, or Tomcat itself); setup and round trip. */
    private void measure(final String transport, final String front, final URI relay, final int echoPort) {
        final int mark = processes.mark();
        final Ptth ptth;
        try {
            final String name = front.equals(NO_FRONT) ? serverName("direct") : serverName(front);
            ptth = Ptth.start(processes, transport + "-" + name, launcher, jar, relay, keys, name, transport,
                    Map.of(Services.ECHO, echoPort));
        } catch (final IOException | RuntimeException e) {
            processes.closeSince(mark);
            results.failure("front " + front + " via " + transport + ": the proxies did not start: " + e.getMessage());
            Progress.say("FAILED front " + front + " via " + transport + ": " + e.getMessage());
            return;
        }
        try {
            final int port = ptth.ports().get(Services.ECHO);
            final int warmup = 100;
            final int count = quick ? 100 : 200;
            // a front that holds small packets makes each setup and round trip cost up to 0.2 s or more:
            // it is sampled for a bounded time instead of waited for
            final long deadline = System.nanoTime() + (quick ? 20 : 60) * 1_000_000_000L;
            Progress.show("front " + front + ": " + count + " setups after " + warmup + " via " + transport);
            for (int i = 0; i < warmup && System.nanoTime() - deadline < 0; i++) {
                EchoClient.setupOnce(port);
            }
            long[] setups = new long[count];
            int done = 0;
            while (done < count && (done < 10 || System.nanoTime() - deadline < 0)) {
                setups[done++] = EchoClient.setupOnce(port);
            }
            setups = java.util.Arrays.copyOf(setups, done);
            final int pings = quick ? 1_000 : 5_000;
            Progress.show("front " + front + ": " + pings + " pings via " + transport);
            final long[] rtts = EchoClient.pingPong(port, Math.min(200, pings / 10), pings, quick ? 20 : 60);
            final double[] rtt = Samples.p50p99(rtts, 1e3);
            final double[] setup = Samples.p50p99(setups, 1e6);
            if (done < count || rtts.length < pings) {
                results.note(frontSetupP50(front), transport + ": sampled for a bounded time, " + done + " setups and "
                        + rtts.length + " pings");
            }
            results.put(frontSetupP50(front), transport, setup[0]);
            results.put(frontSetupP99(front), transport, setup[1]);
            results.put(frontRttP50(front), transport, rtt[0]);
            results.put(frontRttP99(front), transport, rtt[1]);
            results.note(frontSetupP50(NO_FRONT), "a proxy pair of its own per front; " + count + " setups after "
                    + warmup + ", " + pings + " pings");
        } catch (final IOException | RuntimeException e) {
            // the proxies started, but a tunnel through this front did not work: that is the figure
            for (final Figure f : List.of(frontSetupP50(front), frontSetupP99(front), frontRttP50(front),
                    frontRttP99(front))) {
                results.put(f, transport, Results.FAILS);
            }
            results.note(frontSetupP50(front), transport + " fails: " + e.getMessage());
            Progress.say("front " + front + " via " + transport + " fails: " + e.getMessage());
        } finally {
            processes.closeSince(mark);
        }
    }
}
