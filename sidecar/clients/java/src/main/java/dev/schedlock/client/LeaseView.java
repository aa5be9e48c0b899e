package dev.schedlock.client;

import java.util.Optional;

/**
 * One answer of the sidecar about the lease ({@code LeaseView} in {@code docs/api.md}).
 *
 * <p>Only an answer to a plain {@link SchedlockClient#lease()} can carry a permit; long-poll
 * answers and events always have {@code validForMillis} 0.
 *
 * @param lockName the lock ({@code --lock-name})
 * @param state {@code STANDBY}, {@code LEADER}, {@code RELEASING}, {@code DEGRADED} or {@code STOPPED}
 * @param leader whether this pod holds a locally valid lease right now
 * @param fencingToken the pod's token when leading, else the last one the sidecar saw
 * @param storeId the store the token counts in; {@code null} before the sidecar opened its store
 * @param validForMillis the permit's validity, 0 for none
 * @param holder who holds the lease as far as this sidecar knows
 * @param version rises with every change but renewals; for {@link SchedlockClient#awaitChange}
 * @param sentNanos {@link System#nanoTime()} just before the request was sent
 */
public record LeaseView(String lockName, String state, boolean leader, long fencingToken, String storeId,
        long validForMillis, Holder holder, long version, long sentNanos) {

    /** The holder of the lease; fields are {@code null} when nobody holds it. */
    public record Holder(String id, String pod, String host) {
    }

    /** The permit this answer carries, counted from the moment its request was sent. */
    public Optional<Permit> permit() {
        return validForMillis > 0
                ? Optional.of(new Permit(fencingToken, storeId, sentNanos, validForMillis))
                : Optional.empty();
    }
}
