package dev.schedlock.sidecar.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void everyValueFallsInABucketWhoseUpperBoundIsAtMostOneHundredTwentyEighthAbove() {
        long[] values = {0, 1, 127, 128, 255, 256, 257, 1_000, 999_999, 1_000_000, 12_345_678_901L, Long.MAX_VALUE};
        for (long v : values) {
            long upper = LatencyHistogram.upperBound(LatencyHistogram.index(v));
            assertThat(upper).as("upper bound of %d", v).isGreaterThanOrEqualTo(v);
            assertThat((double) (upper - v)).as("error at %d", v).isLessThanOrEqualTo(v / 128.0);
            assertThat(LatencyHistogram.index(upper)).as("index of the bound of %d", v)
                    .isEqualTo(LatencyHistogram.index(v));
        }
    }

    @Test
    void percentilesOfOneToTenThousandMicrosecondsAreWithinOnePercent() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 10_000; i >= 1; i--) {
            h.record(i * 1_000L);
        }

        assertThat(h.count()).isEqualTo(10_000);
        assertThat(h.percentile(0.50)).isBetween(5_000_000L, 5_050_000L);
        assertThat(h.percentile(0.99)).isBetween(9_900_000L, 9_999_000L);
        assertThat(h.percentile(1.0)).isEqualTo(10_000_000L);
        assertThat(h.max()).isEqualTo(10_000_000L);
        assertThat(h.millis()).isEqualTo(String.format(java.util.Locale.ROOT, "%s / %s / %s / 10.0 ms",
                fmt(h.percentile(0.50)), fmt(h.percentile(0.95)), fmt(h.percentile(0.99))));
    }

    @Test
    void anEmptyHistogramAnswersZero() {
        LatencyHistogram h = new LatencyHistogram();

        assertThat(h.percentile(0.99)).isZero();
        assertThat(h.max()).isZero();
    }

    private static String fmt(long nanos) {
        double ms = nanos / 1e6;
        return String.format(java.util.Locale.ROOT, ms >= 10 ? "%.1f" : "%.2f", ms);
    }
}
