package dev.schedlock.sidecar.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * The three timings of a client-go style leader election: how long a Lease is valid after its
 * last renewal, how long a leader keeps trying to renew before it gives up, and how often
 * candidates (and the leader) try.
 *
 * @param name          what the timings are, for the report
 * @param lease         {@code leaseDuration}
 * @param renewDeadline {@code renewDeadline}
 * @param retry         {@code retryPeriod}; Fabric8 adds up to 1.2 × this as jitter to a candidate's retries
 */
record ElectionTimings(String name, Duration lease, Duration renewDeadline, Duration retry) {

    /** client-go's defaults, which Fabric8's documentation repeats. */
    static final ElectionTimings DEFAULTS = new ElectionTimings("client-go defaults", Duration.ofSeconds(15),
            Duration.ofSeconds(10), Duration.ofSeconds(2));

    /** schedlock's benchmark timings: TTL 10 s, the leader gives up at about 2/3 of it, retry 1 s. */
    static final ElectionTimings OURS = new ElectionTimings("schedlock's benchmark timings", Duration.ofSeconds(10),
            Duration.ofSeconds(7), Duration.ofSeconds(1));

    /** {@code defaults}, {@code ours}, or {@code LEASE_MS:RENEW_DEADLINE_MS:RETRY_MS}. */
    static ElectionTimings parse(String text) {
        if (text.equals("defaults")) {
            return DEFAULTS;
        }
        if (text.equals("ours")) {
            return OURS;
        }
        String[] ms = text.split(":");
        if (ms.length != 3) {
            throw new IllegalArgumentException("timings must be defaults, ours or LEASE_MS:RENEW_MS:RETRY_MS, not "
                    + text);
        }
        return new ElectionTimings("custom", Duration.ofMillis(Long.parseLong(ms[0])),
                Duration.ofMillis(Long.parseLong(ms[1])), Duration.ofMillis(Long.parseLong(ms[2])));
    }

    /** The form {@link #parse} reads back, to hand the timings to a candidate process. */
    String argument() {
        return lease.toMillis() + ":" + renewDeadline.toMillis() + ":" + retry.toMillis();
    }

    String describe() {
        return String.format(Locale.ROOT, "%s: leaseDuration %s, renewDeadline %s, retryPeriod %s", name,
                seconds(lease), seconds(renewDeadline), seconds(retry));
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1e3).replace(".0 s", " s");
    }
}
