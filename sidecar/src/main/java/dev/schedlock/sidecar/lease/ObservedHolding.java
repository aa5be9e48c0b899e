package dev.schedlock.sidecar.lease;

import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.sidecar.store.TakeoverRule;

/**
 * What the {@code observed} takeover policy remembers (client-go's {@code observedRecord} and
 * {@code observedTime}): the holding this candidate last saw in the store, and since when, on its
 * own monotonic clock, it has seen it unchanged. A takeover needs a full TTL of that, so that a
 * jump of the store's wall clock cannot shorten it.
 *
 * <p>Not thread-safe: guarded by the lock of the {@link LeaseElector} that owns it.
 */
final class ObservedHolding {

    private LockRow row;
    private long sinceNanos;

    /** The store answered {@code seen} at {@code nowNanos}: another holding starts the wait anew. */
    void saw(LockRow seen, long nowNanos) {
        if (row == null || !seen.sameHoldingAs(row)) {
            row = seen;
            sinceNanos = nowNanos;
        }
    }

    /** This process acquired, or the store was replaced: what was seen counts for nothing. */
    void forget() {
        row = null;
    }

    /**
     * Nanoseconds from {@code nowNanos} until the holding seen has been unchanged for its TTL (0 or
     * less once it has); {@code Long.MAX_VALUE} when nothing held was seen.
     */
    long nanosUntilTakeover(long nowNanos) {
        if (row == null || row.isFree()) {
            return Long.MAX_VALUE;
        }
        return sinceNanos + row.ttlMs() * 1_000_000L - nowNanos;
    }

    /** What the next acquire may take over under {@code policy}. */
    TakeoverRule rule(TakeoverPolicy policy, long nowNanos) {
        if (policy == TakeoverPolicy.STORE_CLOCK) {
            return TakeoverRule.expired();
        }
        if (row != null && !row.isFree() && nowNanos - sinceNanos >= row.ttlMs() * 1_000_000L) {
            return TakeoverRule.expiredAndUnchanged(row);
        }
        return TakeoverRule.freeOnly();
    }
}
