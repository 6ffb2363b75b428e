package org.ptth.bench.stats;

import java.util.Arrays;

/** Percentiles and medians of measured samples. */
public final class Samples {

    private Samples() {
    }

    /** The median of {@code values}: the middle one, or the mean of the two middle ones. */
    public static double median(final double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The {@code q} quantile (0 < q <= 1) by nearest rank: the smallest sample with at least q of them at or below it. */
    public static long percentile(final long[] samples, final double q) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile out of (0, 1]: " + q);
        }
        final long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** p50 and p99 of nanosecond samples, divided by {@code unit} (1e3 for microseconds, 1e6 for milliseconds). */
    public static double[] p50p99(final long[] nanos, final double unit) {
        return new double[] {percentile(nanos, 0.50) / unit, percentile(nanos, 0.99) / unit};
    }
}
