package org.ptth.bench.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SamplesTest {

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3.0, Samples.median(new double[] {5, 1, 3}));
        assertEquals(2.5, Samples.median(new double[] {4, 1, 3, 2}));
    }

    @Test
    void percentileIsNearestRank() {
        final long[] hundred = new long[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = 100 - i; // 1..100, unsorted
        }
        assertEquals(50, Samples.percentile(hundred, 0.50));
        assertEquals(99, Samples.percentile(hundred, 0.99));
        assertEquals(100, Samples.percentile(hundred, 1.0));
        // with 10 samples p99 is the largest one: a single slow sample shows
        assertEquals(1000, Samples.percentile(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1000}, 0.99));
    }

    @Test
    void p50p99InTheUnitAsked() {
        final long[] nanos = {1_000_000, 2_000_000, 3_000_000};
        assertArrayEquals(new double[] {2.0, 3.0}, Samples.p50p99(nanos, 1e6));
    }

    @Test
    void noSamplesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> Samples.percentile(new long[0], 0.5));
        assertThrows(IllegalArgumentException.class, () -> Samples.median(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> Samples.percentile(new long[] {1}, 0));
    }
}
