package dev.schedlock.sidecar.lease;

/**
 * Answer to a claim: either a permit for the claiming client, or the reason it has none.
 *
 * @param granted        true when the client now holds the pod's executor permit
 * @param permit         the permit when granted
 * @param heldBy         the client that holds the claim when another one does, else null
 * @param reason         why not granted ({@code NOT_LEADER}, {@code HELD_BY_OTHER}, {@code RELEASING})
 */
public record ClaimResult(boolean granted, Permit permit, String heldBy, String reason) {

    static ClaimResult granted(Permit permit) {
        return new ClaimResult(true, permit, null, null);
    }

    static ClaimResult denied(String reason, String heldBy) {
        return new ClaimResult(false, null, heldBy, reason);
    }
}
