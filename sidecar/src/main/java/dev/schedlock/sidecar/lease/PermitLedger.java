package dev.schedlock.sidecar.lease;

import java.util.Objects;
import java.util.Optional;

/**
 * Every permit this process handed out, whichever holding it came from: the latest expiry of the
 * pod permits, the one claim, and when the app last asked (for the idle step-down). The elector
 * decides whether a permit may be handed out at all (leading, not releasing); this class decides
 * for how long, and remembers it, so that the drain before a release counts every permit still
 * valid.
 *
 * <p>A permit is valid for {@code min(deadline - now, permitTtl)}, cut to whole milliseconds: it
 * never outlives the local deadline of the holding it was issued under.
 *
 * <p>Not thread-safe: guarded by the lock of the {@link LeaseElector} that owns it.
 */
final class PermitLedger {

    private final long permitTtlNanos;

    /** Latest expiry of any pod permit handed out; meaningful once {@link #podPermitIssued}. */
    private long podPermitsUntilNanos;
    private boolean podPermitIssued;
    private String claimClient;
    /** The secret of the current claim; never logged or published (see {@link ClaimHandle}). */
    private String claimHandle;
    private long claimUntilNanos;
    /**
     * For the idle step-down: when the app last got a pod permit or a claim, or when the current
     * holding began, whichever is later. The signal file's permit does not count.
     */
    private long lastAppActivityNanos;

    PermitLedger(long permitTtlNanos) {
        this.permitTtlNanos = permitTtlNanos;
    }

    /** A holding began at {@code nowNanos}: the app gets the whole idle time from here. */
    void holdingBegan(long nowNanos) {
        lastAppActivityNanos = nowNanos;
    }

    long lastAppActivityNanos() {
        return lastAppActivityNanos;
    }

    /**
     * A pod permit under the holding {@code token}, locally valid until {@code deadlineNanos}; no
     * permit ({@code validForMillis == 0}) when less than a millisecond is left.
     *
     * @param byApp the permit goes to the app, not to the sidecar's own signal file
     */
    Permit podPermit(long token, long deadlineNanos, long nowNanos, boolean byApp) {
        long millis = validForMillis(deadlineNanos, nowNanos);
        if (millis <= 0) {
            return new Permit(token, 0, null);
        }
        long until = nowNanos + millis * 1_000_000L;
        if (!podPermitIssued || until - podPermitsUntilNanos > 0) {
            podPermitsUntilNanos = until;
        }
        podPermitIssued = true;
        if (byApp) {
            lastAppActivityNanos = nowNanos;
        }
        return new Permit(token, millis, null);
    }

    /**
     * Grants or renews the claim under the holding {@code token}; the caller has checked that this
     * process leads.
     *
     * <p>While a claim is unexpired only the caller that presents its handle can renew it: a caller
     * with another client name is refused with {@code HELD_BY_OTHER}, one with the same name but
     * without that handle (a second process that picked the same name, or the holder restarted and
     * lost its handle) with {@code HANDLE_MISMATCH}; either waits until the claim expires, at most
     * the permit TTL. Once the claim has expired or was returned, anyone may claim, with or without
     * a stale handle, and gets a new handle.
     */
    ClaimResult claim(String client, String handle, long token, long deadlineNanos, long nowNanos) {
        Objects.requireNonNull(client, "client");
        boolean held = isClaimHeld(nowNanos);
        if (held && !claimClient.equals(client)) {
            return ClaimResult.denied("HELD_BY_OTHER", claimClient);
        }
        if (held && !ClaimHandle.matches(claimHandle, handle)) {
            return ClaimResult.denied("HANDLE_MISMATCH", claimClient);
        }
        long millis = validForMillis(deadlineNanos, nowNanos);
        if (millis <= 0) {
            return ClaimResult.denied("NOT_LEADER", null);
        }
        if (!held) {
            claimHandle = ClaimHandle.next();
        }
        claimClient = client;
        claimUntilNanos = nowNanos + millis * 1_000_000L;
        lastAppActivityNanos = nowNanos;
        return ClaimResult.granted(new Permit(token, millis, client), claimHandle);
    }

    /** See {@link LeaseElector#returnClaim(String, String)}. */
    ClaimReturn returnClaim(String client, String handle, long nowNanos) {
        if (client == null || !client.equals(claimClient)) {
            return ClaimReturn.NO_CLAIM;
        }
        if (!ClaimHandle.matches(claimHandle, handle)) {
            return claimUntilNanos - nowNanos > 0 ? ClaimReturn.HANDLE_MISMATCH : ClaimReturn.NO_CLAIM;
        }
        claimClient = null;
        claimHandle = null;
        claimUntilNanos = 0;
        return ClaimReturn.RETURNED;
    }

    /** The client holding an unexpired claim, if any. */
    Optional<String> claimHolder(long nowNanos) {
        return isClaimHeld(nowNanos) ? Optional.of(claimClient) : Optional.empty();
    }

    /** Unexpired claims: 0 or 1. */
    int activeClaims(long nowNanos) {
        return isClaimHeld(nowNanos) ? 1 : 0;
    }

    /**
     * Nanoseconds until every permit handed out has expired or been returned; 0 when nothing is
     * outstanding.
     */
    long drainRemainingNanos(long nowNanos) {
        long remaining = 0;
        if (podPermitIssued) {
            remaining = Math.max(remaining, podPermitsUntilNanos - nowNanos);
        }
        if (claimClient != null) {
            remaining = Math.max(remaining, claimUntilNanos - nowNanos);
        }
        return Math.max(0, remaining);
    }

    private boolean isClaimHeld(long nowNanos) {
        return claimClient != null && claimUntilNanos - nowNanos > 0;
    }

    private long validForMillis(long deadlineNanos, long nowNanos) {
        return Math.min(deadlineNanos - nowNanos, permitTtlNanos) / 1_000_000L;
    }
}
