package dev.schedlock.sidecar.lease;

/**
 * Answer to a claim: either a permit for the claiming client with the claim's handle, or the
 * reason it has none.
 *
 * @param granted the client now holds the pod's executor permit
 * @param permit  the permit when granted
 * @param heldBy  the client name that holds the claim when the caller may not have it, else null
 * @param reason  why not granted ({@code NOT_LEADER}, {@code HELD_BY_OTHER}, {@code HANDLE_MISMATCH},
 *                {@code RELEASING})
 * @param handle  when granted: the secret that renews and returns this claim (the same on every
 *                renewal, a new one for a new claim); never logged, see {@link ClaimHandle}
 */
public record ClaimResult(boolean granted, Permit permit, String heldBy, String reason, String handle) {

    static ClaimResult granted(Permit permit, String handle) {
        return new ClaimResult(true, permit, null, null, handle);
    }

    static ClaimResult denied(String reason, String heldBy) {
        return new ClaimResult(false, null, heldBy, reason, null);
    }

    /** Leaves the handle out, so that logging a result cannot leak it. */
    @Override
    public String toString() {
        return "ClaimResult[granted=" + granted + ", permit=" + permit + ", heldBy=" + heldBy + ", reason=" + reason
                + ", handle=" + (handle == null ? "none" : "(secret)") + "]";
    }
}
