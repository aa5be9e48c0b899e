package dev.schedlock.client;

/**
 * The sidecar refused the request itself: an error answer {@code {"error": CODE, "message": TEXT}}
 * (400 {@code BAD_REQUEST}, 404 {@code NOT_FOUND}, 409 {@code HANDLE_MISMATCH} on a return, 415,
 * 421, 503 {@code TOO_MANY_WAITING}…), or an answer the client could not read.
 */
public final class SidecarErrorException extends SchedlockException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    SidecarErrorException(int status, String code, String message) {
        super(message, null);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    @Override
    public String code() {
        return code;
    }
}
