package dev.schedlock.sidecar.lease;

/**
 * The elector's view at one moment. Immutable; a new one is published on every change (and on
 * every renewal, with the same {@link #version()}).
 *
 * @param lockName         the lock
 * @param state            the elector's state
 * @param fencingToken     the token of this process's holding when leading, otherwise the token of
 *                         the holding last seen in the store (0 if none)
 * @param storeId          the id of the store that {@code fencingToken} comes from (null if unknown):
 *                         tokens of different stores are not comparable
 * @param validUntilNanos  end of local validity on the monotonic clock; meaningful only when
 *                         {@code state == LEADER}
 * @param holderId         the holder last seen (this process when leading), null when free/unknown
 * @param holderPod        that holder's pod
 * @param holderHost       that holder's host
 * @param version          increases whenever state, leadership, token or holder changes
 * @param lastRenewalNanos monotonic time of the last successful acquire or renew, 0 if none
 * @param activeClaims     number of unexpired claims (0 or 1)
 * @param reason           why the last change happened, for logs and status
 */
public record LeaseSnapshot(
        String lockName,
        LeaseState state,
        long fencingToken,
        String storeId,
        long validUntilNanos,
        String holderId,
        String holderPod,
        String holderHost,
        long version,
        long lastRenewalNanos,
        int activeClaims,
        String reason) {

    /** This snapshot under another version number. */
    LeaseSnapshot withVersion(long newVersion) {
        return newVersion == version ? this : new LeaseSnapshot(lockName, state, fencingToken, storeId, validUntilNanos,
                holderId, holderPod, holderHost, newVersion, lastRenewalNanos, activeClaims, reason);
    }

    /** Leading with a locally valid lease at {@code nowNanos}. */
    public boolean isLeader(long nowNanos) {
        return state == LeaseState.LEADER && nowNanos - validUntilNanos < 0;
    }

    /** Milliseconds of local validity left at {@code nowNanos}; 0 when not leading. */
    public long validityLeftMillis(long nowNanos) {
        if (!isLeader(nowNanos)) {
            return 0;
        }
        return (validUntilNanos - nowNanos) / 1_000_000L;
    }
}
