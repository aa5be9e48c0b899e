package dev.schedlock.client;

/**
 * A claim or renewal was refused (409 with {@code granted: false}): no permit. A normal answer on
 * a standby or while another client holds the claim, not a failure of the sidecar.
 *
 * <p>{@link #code()} is the sidecar's reason: {@code NOT_LEADER}, {@code HELD_BY_OTHER},
 * {@code HANDLE_MISMATCH}, {@code RELEASING} or {@code PERMIT_MODE_POD}.
 * {@code HANDLE_MISMATCH} on a first claim that {@link #resent() was sent twice} means that the
 * lost first answer was a grant: the claim is held under this client name, nobody has its handle,
 * and it ends by itself within the sidecar's {@code --permit-ttl}.
 */
public final class ClaimDeniedException extends SchedlockException {

    private static final long serialVersionUID = 1L;

    private final String reason;
    private final String heldBy;
    private final boolean resent;

    ClaimDeniedException(String reason, String heldBy, String message, boolean resent) {
        super(message, null);
        this.reason = reason;
        this.heldBy = heldBy;
        this.resent = resent;
    }

    @Override
    public String code() {
        return reason;
    }

    /** The client that holds the claim ({@code HELD_BY_OTHER}, {@code HANDLE_MISMATCH}), else null. */
    public String heldBy() {
        return heldBy;
    }

    /** Whether the request was sent twice because its first answer was lost. */
    public boolean resent() {
        return resent;
    }
}
