package dev.schedlock.sidecar.store;

/**
 * Outcome of one acquire attempt.
 *
 * @param acquired   true when this caller now holds the lock (exactly one row changed)
 * @param kind       the transition recorded when acquired ({@code ACQUIRED} or {@code TAKEN_OVER}),
 *                   {@code null} otherwise
 * @param row        the row after the attempt: the caller's new holding, or the holding that won
 */
public record AcquireResult(boolean acquired, TransitionKind kind, LockRow row) {

    public long fencingToken() {
        return row.fencingToken();
    }
}
