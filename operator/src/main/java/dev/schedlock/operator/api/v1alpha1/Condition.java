package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A status condition with the semantics of Kubernetes' metav1.Condition. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {

    @JsonPropertyDescription("Type of condition in CamelCase: Ready or LeaderElected.")
    @Required
    private String type;

    @JsonPropertyDescription("True, False or Unknown.")
    @Required
    private String status;

    @JsonPropertyDescription("Machine-readable CamelCase reason for the last transition.")
    private String reason;

    @JsonPropertyDescription("Human-readable message; for failures it says what to fix.")
    private String message;

    @JsonPropertyDescription("The metadata.generation the condition was set for.")
    private Long observedGeneration;

    @JsonPropertyDescription("When status last changed (RFC 3339).")
    private String lastTransitionTime;

    public Condition() {
    }

    public Condition(String type, String status, String reason, String message, Long observedGeneration,
                     String lastTransitionTime) {
        this.type = type;
        this.status = status;
        this.reason = reason;
        this.message = message;
        this.observedGeneration = observedGeneration;
        this.lastTransitionTime = lastTransitionTime;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getStatus() {
        return status;
    }

    public void setStatus(String status) {
        this.status = status;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public String getLastTransitionTime() {
        return lastTransitionTime;
    }

    public void setLastTransitionTime(String lastTransitionTime) {
        this.lastTransitionTime = lastTransitionTime;
    }
}
