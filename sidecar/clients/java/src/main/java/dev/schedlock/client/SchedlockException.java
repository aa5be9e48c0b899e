package dev.schedlock.client;

/**
 * Anything the client could not do. The subclasses say why: {@link SidecarUnreachableException}
 * (no answer, hence no permit), {@link ClaimDeniedException} (a normal refusal of a claim, with
 * the sidecar's reason) and {@link SidecarErrorException} (the sidecar refused the request itself).
 */
public abstract class SchedlockException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    SchedlockException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The sidecar's code ({@code reason} of a claim answer, {@code error} of an error); null without an answer. */
    public abstract String code();
}
