package org.ptth.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TargetsTest {

    private final Results results = new Results(List.of("duplex", "mux"));

    @Test
    void ratioAgainstABaseline() {
        results.put(Figures.REDIS_C50_GET, Results.SSH, 20_000);
        results.put(Figures.REDIS_C50_GET, "duplex", 6_000);
        results.put(Figures.REDIS_C50_GET, "mux", 21_000);
        final Targets.Target t = Targets.ratio(Figures.REDIS_C50_GET, Results.SSH, 1.0);
        final Results.Verdict duplex = t.judge(results, "duplex");
        assertEquals("0.30x", duplex.shown());
        assertFalse(duplex.pass());
        assertTrue(t.judge(results, "mux").pass());
        assertTrue(t.text().contains(">= 1 x ssh -L"), t.text());
    }

    @Test
    void aMissingFigureIsNotMeasuredRatherThanMissed() {
        results.put(Figures.REDIS_C50_GET, "duplex", 6_000); // no ssh -L figure
        final Results.Verdict v = Targets.ratio(Figures.REDIS_C50_GET, Results.SSH, 1.0).judge(results, "duplex");
        assertNull(v.pass());
        assertNull(Targets.below(Figures.SSH_P99, 1).judge(results, "mux").pass());
    }

    @Test
    void limitsAreStrictOrInclusiveAsWritten() {
        results.put(Figures.SETUP_P50, "duplex", 1.0);
        results.put(Figures.CPU_SUM, "duplex", 60.0);
        assertFalse(Targets.below(Figures.SETUP_P50, 1).judge(results, "duplex").pass());
        assertTrue(Targets.atMost(Figures.CPU_SUM, 60).judge(results, "duplex").pass());
    }

    @Test
    void aFrontIsJudgedAgainstTheSameTransportWithoutFront() {
        results.put(Figures.frontSetupP50(Figures.NO_FRONT), "duplex", 2.0);
        results.put(Figures.frontSetupP50("HAProxy"), "duplex", 4.2);
        results.put(Figures.frontSetupP50(Figures.NO_FRONT), "mux", 1.0);
        results.put(Figures.frontSetupP50("HAProxy"), "mux", 1.5);
        final Targets.Target t = Targets.relative(Figures.frontSetupP50("HAProxy"),
                Figures.frontSetupP50(Figures.NO_FRONT), 2.0);
        assertFalse(t.judge(results, "duplex").pass());
        assertEquals("2.10x", t.judge(results, "duplex").shown());
        assertTrue(t.judge(results, "mux").pass());
    }

    @Test
    void aWayThatFailsMissesItsTargets() {
        results.put(Figures.frontSetupP50(Figures.NO_FRONT), "duplex", 2.0);
        results.put(Figures.frontSetupP50("Apache httpd"), "duplex", Results.FAILS);
        results.put(Figures.frontRttP50("Apache httpd"), "duplex", Results.FAILS);
        final Results.Verdict setup = Targets.relative(Figures.frontSetupP50("Apache httpd"),
                Figures.frontSetupP50(Figures.NO_FRONT), 2.0).judge(results, "duplex");
        assertFalse(setup.pass());
        assertEquals("fails", setup.shown());
        final Results.Verdict rtt = Targets.below(Figures.frontRttP50("Apache httpd"), 2000).judge(results, "duplex");
        assertFalse(rtt.pass());
        assertEquals("fails", rtt.shown());
    }

    @Test
    void allTunnelsOpenWithoutErrors() {
        results.put(Figures.TUNNELS_OPEN, "duplex", 4_500);
        results.put(Figures.TUNNELS_ERRORS, "duplex", 0);
        results.put(Figures.TUNNELS_OPEN, "mux", 10_000);
        results.put(Figures.TUNNELS_ERRORS, "mux", 0);
        final Targets.Target t = Targets.allOpen(10_000);
        assertFalse(t.judge(results, "duplex").pass());
        assertEquals("4500 open, 0 errors", t.judge(results, "duplex").shown());
        assertTrue(t.judge(results, "mux").pass());
        results.put(Figures.TUNNELS_ERRORS, "mux", 1);
        assertFalse(t.judge(results, "mux").pass());
    }

    @Test
    void backpressureMustArriveIntact() {
        results.put(Figures.BACKPRESSURE_INTACT, "duplex", 0);
        results.put(Figures.BACKPRESSURE_INTACT, "mux", 1024);
        assertFalse(Targets.intact().judge(results, "duplex").pass());
        assertTrue(Targets.intact().judge(results, "mux").pass());
    }

    @Test
    void judgeGivesEveryTargetAVerdictPerTransport() {
        final List<Targets.Target> all = Targets.issue10(10_000);
        Targets.judge(results, all);
        assertEquals(all.size() * 2, results.verdicts().size());
        assertTrue(results.verdicts().stream().allMatch(v -> v.pass() == null), "nothing was measured");
    }

    @Test
    void numbersAreShortAndExact() {
        assertEquals("0", Targets.num(0));
        assertEquals("3", Targets.num(3));
        assertEquals("2.50", Targets.num(2.5));
        assertEquals("12.3", Targets.num(12.34));
        assertEquals("47900", Targets.num(47_900.4));
        assertEquals("0.215", Targets.num(0.215));
        assertEquals("0.0050", Targets.num(0.005));
        assertEquals("-", Targets.num(Double.NaN));
    }
}
