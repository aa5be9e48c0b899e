package dev.schedlock.sidecar.bench;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles of a sample of durations in nanoseconds. */
record Stats(int n, long min, long p50, long p95, long p99, long max) {

    static Stats of(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new Stats(sorted.length, sorted[0], pick(sorted, 0.50), pick(sorted, 0.95), pick(sorted, 0.99),
                sorted[sorted.length - 1]);
    }

    private static long pick(long[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    String micros() {
        return String.format(Locale.ROOT, "p50 %s, p95 %s, p99 %s (n=%d)", us(p50), us(p95), us(p99), n);
    }

    String millis() {
        return String.format(Locale.ROOT, "p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)",
                p50 / 1e6, p95 / 1e6, p99 / 1e6, max / 1e6, n);
    }

    static String us(long nanos) {
        if (nanos >= 10_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.0f µs", nanos / 1e3);
    }
}
