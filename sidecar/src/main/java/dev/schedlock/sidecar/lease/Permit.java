package dev.schedlock.sidecar.lease;

/**
 * Permission to schedule for {@code validForMillis}, counted from the moment the caller SENT its
 * request (not from when the answer arrived): that is the only way a caller's own view stays
 * inside the lease. A permit with {@code validForMillis == 0} is no permit.
 *
 * @param fencingToken   pass it to protected resources; they reject tokens lower than the highest seen
 * @param validForMillis {@code min(remaining local validity, permitTtl)}
 * @param client         the claim holder in claims mode, null for a pod permit
 */
public record Permit(long fencingToken, long validForMillis, String client) {

    public boolean granted() {
        return validForMillis > 0;
    }
}
