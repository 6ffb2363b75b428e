package org.ptth.bench.report;

import static org.ptth.bench.report.Figures.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The targets of issue 10, each judged on every ptth transport of a run: PASS, MISS, or not measured
 * (when a figure it needs is missing, e.g. a section was skipped).
 */
public final class Targets {

    /** One target: its text, and how it reads the figures of one transport. */
    public interface Target {
        String text();

        Results.Verdict judge(Results results, String column);
    }

    private Targets() {
    }

    /** Judges every target on every transport of {@code results} and adds the verdicts to it. */
    public static void judge(final Results results, final List<Target> targets) {
        for (final Target t : targets) {
            for (final String column : results.transports()) {
                results.verdict(t.judge(results, column));
            }
        }
    }

    /** Issue 10's list, with {@code tunnels} the number of concurrent tunnels asked for. */
    public static List<Target> issue10(final int tunnels) {
        final List<Target> all = new ArrayList<>();
        all.add(ratio(REDIS_C50_GET, Results.SSH, 1.0));
        all.add(ratio(REDIS_P16_GET, Results.SSH, 1.0));
        all.add(ratio(PGBENCH, Results.SSH, 1.0));
        all.add(ratio(SCP_UP, Results.SSH, 0.8));
        all.add(ratio(SCP_DOWN, Results.SSH, 0.8));
        all.add(below(SSH_P99, 1));
        all.add(atMost(CPU_SUM, 60));
        all.add(below(SETUP_P50, 1));
        all.add(below(SETUP_P99, 5));
        all.add(below(FIRST_P50, 1));
        all.add(below(FIRST_P99, 5));
        all.add(allOpen(tunnels));
        all.add(atMost(RELAY_HEAP, 16));
        all.add(below(RELAY_THREADS, 0.01));
        all.add(atMost(CLIENT_HEAP, 16));
        all.add(below(CLIENT_THREADS, 0.01));
        all.add(atMost(SERVER_HEAP, 16));
        all.add(below(SERVER_THREADS, 0.01));
        all.add(atMost(TUNNELS_LEFT, 0));
        for (final String front : FRONTS) {
            all.add(relative(frontSetupP50(front), frontSetupP50(NO_FRONT), 2.0));
            all.add(below(frontRttP50(front), 2000));
        }
        all.add(ratio(THROUGHPUT_1, Results.SOCAT, 1.0));
        all.add(ratio(THROUGHPUT_8, Results.SOCAT, 0.8));
        all.add(intact());
        all.add(atMost(BACKPRESSURE_HEAP, 16));
        all.add(below(STALLED_P99, 2000));
        return all;
    }

    /** The figure as a target names it: its group cut to the words before the first comma or parenthesis. */
    private static String label(final Figure f) {
        if (f.group().startsWith("through each front")) {
            return f.name();
        }
        return f.group().replaceFirst(" ?[(,].*", "") + ": " + f.name();
    }

    private static String unit(final Figure f) {
        return f.unit().isEmpty() ? "" : " " + f.unit();
    }

    /** The transport's figure at least {@code factor} times the baseline's (higher is better). */
    public static Target ratio(final Figure f, final String baseline, final double factor) {
        return quotient(label(f) + " >= " + num(factor) + " x " + baseline, f, (r, c) -> r.value(f, baseline),
                factor, true);
    }

    /** The transport's figure at most {@code factor} times another figure of the same transport. */
    public static Target relative(final Figure f, final Figure reference, final double factor) {
        return quotient(label(f) + " <= " + num(factor) + " x " + reference.name(), f,
                (r, c) -> r.value(reference, c), factor, false);
    }

    private interface Reference {
        Optional<Double> of(Results results, String column);
    }

    private static Target quotient(final String text, final Figure f, final Reference reference, final double factor,
                                   final boolean atLeast) {
        return target(text, (r, c) -> {
            final Optional<Double> mine = r.value(f, c);
            final Optional<Double> ref = reference.of(r, c);
            if (mine.isEmpty() || ref.isEmpty() || ref.get() <= 0) {
                return missing(text, c);
            }
            final double x = mine.get() / ref.get();
            return new Results.Verdict(text, c, mine.get() == Results.FAILS ? "fails" : String.format(Locale.ROOT,
                    "%.2fx", x),
                    atLeast ? x >= factor : x <= factor);
        });
    }

    public static Target below(final Figure f, final double limit) {
        final String text = label(f) + " < " + num(limit) + unit(f);
        return target(text, (r, c) -> r.value(f, c)
                .map(v -> new Results.Verdict(text, c, num(v), v < limit)).orElseGet(() -> missing(text, c)));
    }

    public static Target atMost(final Figure f, final double limit) {
        final String text = label(f) + " <= " + num(limit) + unit(f);
        return target(text, (r, c) -> r.value(f, c)
                .map(v -> new Results.Verdict(text, c, num(v), v <= limit)).orElseGet(() -> missing(text, c)));
    }

    /** All {@code tunnels} open at once, without an error. */
    public static Target allOpen(final int tunnels) {
        final String text = tunnels + " concurrent tunnels, no error";
        return target(text, (r, c) -> {
            final Optional<Double> open = r.value(TUNNELS_OPEN, c);
            final Optional<Double> errors = r.value(TUNNELS_ERRORS, c);
            if (open.isEmpty() || errors.isEmpty()) {
                return missing(text, c);
            }
            return new Results.Verdict(text, c, num(open.get()) + " open, " + num(errors.get()) + " errors",
                    open.get() >= tunnels && errors.get() == 0);
        });
    }

    /** The backpressure transfer arrived whole (count and CRC32C equal). */
    public static Target intact() {
        final String text = "backpressure: bulk data to a slow reader arrives intact";
        return target(text, (r, c) -> r.value(BACKPRESSURE_INTACT, c)
                .map(v -> new Results.Verdict(text, c, v > 0 ? num(v) + " MiB" : "altered or cut", v > 0))
                .orElseGet(() -> missing(text, c)));
    }

    private interface Judge {
        Results.Verdict judge(Results results, String column);
    }

    private static Target target(final String text, final Judge judge) {
        return new Target() {
            @Override
            public String text() {
                return text;
            }

            @Override
            public Results.Verdict judge(final Results results, final String column) {
                return judge.judge(results, column);
            }
        };
    }

    private static Results.Verdict missing(final String text, final String column) {
        return new Results.Verdict(text, column, "not measured", null);
    }

    /** A figure as the table shows it: three significant digits, no exponent; "fails" for {@link Results#FAILS}. */
    public static String num(final double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v == Results.FAILS) {
            return "fails";
        }
        final double a = Math.abs(v);
        if (a != 0 && a < 0.01) {
            return String.format(Locale.ROOT, "%.4f", v);
        }
        return String.format(Locale.ROOT, a >= 100 || v == Math.rint(v) ? "%.0f"
                : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }
}
