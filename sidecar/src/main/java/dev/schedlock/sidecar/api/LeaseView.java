package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.schedlock.sidecar.lease.LeaseSnapshot;

/**
 * The JSON answer of {@code GET /v1/lease} (field names as in docs/api.md). A permit is any answer
 * with {@code validForMillis > 0}, counted from when the request was sent.
 *
 * @param storeId    the id of the store the fencing token comes from (absent until the sidecar has
 *                   read it): a token is comparable only with tokens of the same store id
 * @param validUntil wall-clock milliseconds since the epoch; only in the signal file
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LeaseView(
        String lockName,
        String state,
        boolean leader,
        long fencingToken,
        String storeId,
        long validForMillis,
        Holder holder,
        long version,
        Long validUntil) {

    /** Who holds the lease as far as this sidecar knows; null fields when nobody does. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Holder(String id, String pod, String host) {
    }

    /** Builds the view of {@code snapshot} at {@code nowNanos} with a permit of {@code validForMillis}. */
    public static LeaseView of(LeaseSnapshot snapshot, long nowNanos, long validForMillis) {
        return new LeaseView(snapshot.lockName(), snapshot.state().name(), snapshot.isLeader(nowNanos),
                snapshot.fencingToken(), snapshot.storeId(), validForMillis,
                new Holder(snapshot.holderId(), snapshot.holderPod(), snapshot.holderHost()),
                snapshot.version(), null);
    }

    public LeaseView withValidUntil(long wallClockMillis) {
        return new LeaseView(lockName, state, leader, fencingToken, storeId, validForMillis, holder, version,
                wallClockMillis);
    }
}
