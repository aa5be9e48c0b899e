package dev.schedlock.sidecar.store;

/**
 * One row of {@code scheduler_lock} as read from the store, with the store's clock at the time of
 * the read. Times are milliseconds since the epoch on the store's clock.
 *
 * @param name          lock name (primary key)
 * @param holderId      current holder's id, or {@code null} when the lock is free
 * @param holderHost    informative host of the holder
 * @param holderPid     informative pid of the holder (often 1 in containers)
 * @param holderPod     pod name of the holder
 * @param fencingToken  token of the latest acquisition; never decreases; 0 if never acquired
 * @param acquiredAtMs  when the current (or last) holder acquired
 * @param heartbeatAtMs last renewal (or release) by the store's clock
 * @param ttlMs         the TTL the holder wrote; expiry is judged by this, not the reader's config
 * @param storeNowMs    the store's clock when the row was read
 */
public record LockRow(
        String name,
        String holderId,
        String holderHost,
        Long holderPid,
        String holderPod,
        long fencingToken,
        long acquiredAtMs,
        long heartbeatAtMs,
        long ttlMs,
        long storeNowMs) {

    /** True when nobody holds the lock (never acquired, or released). */
    public boolean isFree() {
        return holderId == null;
    }

    /** Expired by the store's clock: {@code heartbeat_at + ttl_ms < now}. A free row is not "expired". */
    public boolean isExpired() {
        return holderId != null && heartbeatAtMs + ttlMs < storeNowMs;
    }

    /** Milliseconds since the last heartbeat, by the store's clock. */
    public long heartbeatAgeMs() {
        return storeNowMs - heartbeatAtMs;
    }

    /**
     * Whether this row is the same holding as {@code other}: same holder, token and heartbeat.
     * Used by the {@code observed} policy to decide whether the row changed.
     */
    public boolean sameHoldingAs(LockRow other) {
        return other != null
                && java.util.Objects.equals(holderId, other.holderId)
                && fencingToken == other.fencingToken
                && heartbeatAtMs == other.heartbeatAtMs;
    }
}
