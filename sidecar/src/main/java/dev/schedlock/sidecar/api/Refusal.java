package dev.schedlock.sidecar.api;

/**
 * A request the server answers with an error instead of handling it: thrown by the checks and
 * parsers of a handler, answered as {@code {"error": error, "message": message}} with
 * {@code status}. Nothing was changed when it is thrown.
 */
final class Refusal extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;

    Refusal(int status, String error, String message) {
        super(message, null, false, false);
        this.status = status;
        this.error = error;
    }

    static Refusal badRequest(String message) {
        return new Refusal(400, "BAD_REQUEST", message);
    }

    int status() {
        return status;
    }

    String error() {
        return error;
    }
}
