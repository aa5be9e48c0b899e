package dev.schedlock.sidecar.store;

/**
 * One row of {@code scheduler_lock_history}.
 *
 * @param id           monotonically increasing row id
 * @param lockName     the lock
 * @param kind         what happened
 * @param holderId     the holder the transition is about (the new holder for acquisitions)
 * @param holderPod    that holder's pod
 * @param holderHost   that holder's host
 * @param fencingToken the token of the holding
 * @param atMs         when, on the store's clock
 * @param reason       free text, e.g. the previous holder on a takeover
 */
public record HistoryEntry(
        long id,
        String lockName,
        TransitionKind kind,
        String holderId,
        String holderPod,
        String holderHost,
        long fencingToken,
        long atMs,
        String reason) {
}
