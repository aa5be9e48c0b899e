package dev.schedlock.client;

import java.time.Duration;

/**
 * Leave to schedule: the fencing token of the pod's lease and the end of the permit on this
 * process's {@link System#nanoTime()} clock.
 *
 * <p>The end is {@code sentNanos + validForMillis}, where {@code sentNanos} was read just before
 * the request that brought the permit was sent (the first send, if it was sent twice). The sidecar
 * computed {@code validForMillis} while it answered, after that instant, so the permit ends here no
 * later than it ends at the sidecar.
 *
 * @param fencingToken the token of the lease; pass it to whatever the job writes
 * @param storeId the store the token counts in ({@code null} from a sidecar too old to say)
 * @param sentNanos {@link System#nanoTime()} just before the request was sent
 * @param validForMillis the validity the sidecar granted, counted from {@code sentNanos}
 */
public record Permit(long fencingToken, String storeId, long sentNanos, long validForMillis) {

    public Permit {
        if (validForMillis <= 0) {
            throw new IllegalArgumentException("a permit has validForMillis > 0, not " + validForMillis);
        }
    }

    /** The end of the permit on the {@link System#nanoTime()} clock. */
    public long deadlineNanos() {
        return sentNanos + validForMillis * 1_000_000L;
    }

    /** Whether the permit still holds now. Ask before each step of a job. */
    public boolean isValid() {
        return remainingNanos() > 0;
    }

    /** What is left of the permit; zero or negative once it has ended. */
    public Duration remaining() {
        return Duration.ofNanos(remainingNanos());
    }

    private long remainingNanos() {
        return deadlineNanos() - System.nanoTime();
    }
}
