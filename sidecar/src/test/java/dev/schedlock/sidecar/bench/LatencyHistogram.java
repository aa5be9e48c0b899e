package dev.schedlock.sidecar.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Durations in nanoseconds, counted in buckets instead of kept one by one, for samples too many
 * to hold (hundreds of thousands of renewals, millions of scheduled steps). Each power of two is
 * cut into 128 buckets, so a percentile is exact below 128 ns and at most 1/128 (0.8 %) too high
 * above; the maximum is exact. Many threads may record at once.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 7;
    private static final int SUB_BUCKETS = 1 << SUB_BITS;

    private final AtomicLongArray counts = new AtomicLongArray(64 * SUB_BUCKETS);
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong max = new AtomicLong();

    void record(long nanos) {
        long value = Math.max(0, nanos);
        counts.incrementAndGet(index(value));
        total.incrementAndGet();
        max.accumulateAndGet(value, Math::max);
    }

    long count() {
        return total.get();
    }

    long max() {
        return max.get();
    }

    /** The upper bound of the bucket that holds the {@code q}-quantile (0 < q ≤ 1); 0 when empty. */
    long percentile(double q) {
        long n = total.get();
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Math.min(upperBound(i), max.get());
            }
        }
        return max.get();
    }

    /** Exact below {@code 2^SUB_BITS}; above, the power of two and the top {@code SUB_BITS} bits below it. */
    static int index(long value) {
        if (value < SUB_BUCKETS) {
            return (int) value;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(value);
        int shift = exponent - SUB_BITS;
        int sub = (int) (value >>> shift) - SUB_BUCKETS;
        return ((shift + 1) << SUB_BITS) + sub;
    }

    /** The largest value whose {@link #index} is {@code index}. */
    static long upperBound(int index) {
        int group = index >>> SUB_BITS;
        if (group == 0) {
            return index;
        }
        int shift = group - 1;
        long sub = (index & (SUB_BUCKETS - 1)) + SUB_BUCKETS;
        return ((sub + 1) << shift) - 1;
    }

    /** {@code p50 / p95 / p99 / max} in milliseconds, e.g. {@code 0.9 / 2.1 / 7.4 / 31.0 ms}. */
    String millis() {
        return String.format(java.util.Locale.ROOT, "%s / %s / %s / %s ms", ms(percentile(0.50)),
                ms(percentile(0.95)), ms(percentile(0.99)), ms(max()));
    }

    private static String ms(long nanos) {
        double millis = nanos / 1e6;
        return String.format(java.util.Locale.ROOT, millis >= 100 ? "%.0f" : millis >= 10 ? "%.1f" : "%.2f", millis);
    }
}
