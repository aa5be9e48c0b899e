package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The JSON answers of the control API and the status server besides {@link LeaseView}, as Jackson
 * writes them: fields in the order of the components, absent when null (docs/api.md,
 * docs/openapi.yaml).
 */
final class Answers {

    private Answers() {
    }

    /** Every 4xx/5xx answer: a constant {@code error} code and a message that says what to do. */
    record Error(String error, String message) {
    }

    /** {@code POST /v1/lease/release}: 202. */
    record Release(boolean accepted, boolean wasLeader, String message) {
    }

    /**
     * {@code POST /v1/claims}: a grant carries {@code handle}; a refusal carries {@code reason} and,
     * where known, {@code heldBy} and a {@code message}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Claim(boolean granted, long fencingToken, long validForMillis, String handle, String reason,
                 String heldBy, String message) {

        static Claim granted(long fencingToken, long validForMillis, String handle) {
            return new Claim(true, fencingToken, validForMillis, handle, null, null, null);
        }

        static Claim refused(long fencingToken, long validForMillis, String reason, String heldBy, String message) {
            return new Claim(false, fencingToken, validForMillis, null, reason, heldBy, message);
        }
    }

    /** The status server's {@code GET /v1/lease} before the elector exists: 503. */
    record Starting(String state, boolean leader, long validForMillis) {
    }
}
