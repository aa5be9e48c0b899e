package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The last step-down request (annotation {@code schedlock.dev/step-down-requested}) and what came
 * of it. A request is handled once: the operator compares the annotation's value with
 * {@link #getNonce()} and acts only on a value it has not recorded.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StepDownStatus {

    /** Passed to the leader's sidecar; done when another holding (pod or fencing token) follows. */
    public static final String REQUESTED = "Requested";
    /** The pod that led at the request no longer holds that lease. */
    public static final String DONE = "Done";
    /** No pod led when the request came: nothing to step down, and the request is not repeated. */
    public static final String NO_LEADER = "NoLeader";

    @JsonPropertyDescription("The value of the annotation schedlock.dev/step-down-requested that this entry is about.")
    private String nonce;

    @JsonPropertyDescription("Requested (passed to the leader's sidecar), Done (it stepped down), or NoLeader"
            + " (no pod led, nothing was done).")
    private String phase;

    @JsonPropertyDescription("The pod that led when the request came, asked to step down.")
    private String pod;

    @JsonPropertyDescription("The fencing token of that pod's lease when the request came.")
    private Long fencingToken;

    @JsonPropertyDescription("When the operator passed the request on (RFC 3339).")
    private String requestedAt;

    @JsonPropertyDescription("When the operator saw another holding (RFC 3339).")
    private String completedAt;

    @JsonPropertyDescription("What happened, in words.")
    private String message;

    public String getNonce() {
        return nonce;
    }

    public void setNonce(String nonce) {
        this.nonce = nonce;
    }

    public String getPhase() {
        return phase;
    }

    public void setPhase(String phase) {
        this.phase = phase;
    }

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public Long getFencingToken() {
        return fencingToken;
    }

    public void setFencingToken(Long fencingToken) {
        this.fencingToken = fencingToken;
    }

    public String getRequestedAt() {
        return requestedAt;
    }

    public void setRequestedAt(String requestedAt) {
        this.requestedAt = requestedAt;
    }

    public String getCompletedAt() {
        return completedAt;
    }

    public void setCompletedAt(String completedAt) {
        this.completedAt = completedAt;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }
}
