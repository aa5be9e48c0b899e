package dev.schedlock.client;

/**
 * The sidecar did not answer: the connection was refused, or no answer came within the request
 * timeout (a stopped or overloaded sidecar hangs rather than refuses). No answer is no permit.
 */
public final class SidecarUnreachableException extends SchedlockException {

    private static final long serialVersionUID = 1L;

    SidecarUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return null;
    }
}
