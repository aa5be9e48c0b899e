package dev.schedlock.sidecar.lease;

/** What became of a request to return a claim. */
public enum ClaimReturn {
    /** The caller held the claim (expired or not) and presented its handle: it is gone now. */
    RETURNED,
    /** That client name holds no unexpired claim: there is nothing to return, and nothing changed. */
    NO_CLAIM,
    /**
     * That client name holds an unexpired claim, and the handle was missing or not its own: the
     * holder keeps it.
     */
    HANDLE_MISMATCH
}
