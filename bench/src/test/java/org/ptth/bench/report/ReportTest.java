package org.ptth.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {

    private Results measured() {
        final Results r = new Results(List.of("four-stream", "duplex"));
        r.fact("machine", "test");
        r.put(Figures.RTT_P50, Results.DIRECT, 23);
        r.put(Figures.RTT_P50, Results.SOCAT, 62);
        r.put(Figures.RTT_P50, "duplex", 215);
        r.note(Figures.RTT_P50, "20000 pings");
        r.put(Figures.SSH_P99, "duplex", 0.8);
        r.put(Figures.SSH_P99, "four-stream", 13.7);
        r.skipped("pgbench: PostgreSQL is not installed");
        r.failure("scp via duplex: \"quoted\"\nsecond line");
        Targets.judge(r, List.of(Targets.below(Figures.SSH_P99, 1), Targets.below(Figures.RTT_P99, 1000)));
        return r;
    }

    @Test
    void tableHasAColumnPerWayAndALinePerTarget() {
        final String t = Report.table(measured());
        final String header = t.lines().filter(l -> l.startsWith("figure")).findFirst().orElseThrow();
        assertTrue(header.matches("figure\\s+direct\\s+socat\\s+ssh -L\\s+four-stream\\s+duplex"), header);
        final String rtt = t.lines().filter(l -> l.startsWith("  p50 (us)")).findFirst().orElseThrow();
        assertTrue(rtt.matches("  p50 \\(us\\)\\s+23\\s+62\\s+-\\s+-\\s+215"), rtt);
        assertTrue(t.contains("      20000 pings\n"));
        final String ssh = t.lines().filter(l -> l.startsWith("ssh ping-pong through cat: p99 < 1 ms"))
                .findFirst().orElseThrow();
        assertTrue(ssh.matches(".*MISS 13.7\\s+PASS 0.800\\s*"), ssh);
        assertTrue(t.contains("four-stream: 0 PASS, 1 MISS, 1 not measured"), t);
        assertTrue(t.contains("duplex: 1 PASS, 0 MISS, 1 not measured"), t);
        assertTrue(t.contains("SKIPPED pgbench: PostgreSQL is not installed"));
        assertTrue(t.contains("FAILED scp via duplex"));
    }

    @Test
    void jsonEscapesAndKeepsEveryFigure() {
        final String j = Report.json(measured());
        assertTrue(j.contains("\"values\": {\"direct\": 23.0000, \"socat\": 62.0000, \"duplex\": 215.0000}"), j);
        assertTrue(j.contains("\"scp via duplex: \\\"quoted\\\"\\u000asecond line\""), j);
        assertTrue(j.contains("{\"target\": \"ssh ping-pong through cat: p99 < 1 ms\", \"transport\": \"duplex\","
                + " \"value\": \"0.800\", \"result\": \"PASS\"}"), j);
        assertTrue(j.contains("\"result\": null"), j);
    }

    @Test
    void quoteAndNumber() {
        assertEquals("\"a\\\\b\"", Report.quote("a\\b"));
        assertEquals("null", Report.number(Double.NaN));
        assertEquals("1.5000", Report.number(1.5));
    }
}
