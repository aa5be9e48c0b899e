package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A status condition with the semantics and the schema of Kubernetes' metav1.Condition. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@SchemaCustomizer(value = SchemaPatch.class, input = "{\"properties\":{"
        + "\"status\":{\"enum\":[\"True\",\"False\",\"Unknown\"]},"
        + "\"lastTransitionTime\":{\"format\":\"date-time\"}}}")
public class Condition {

    @JsonPropertyDescription("Type of condition in CamelCase: Ready or LeaderElected.")
    @Required
    @Size(max = 316)
    @Pattern("^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")
    private String type;

    @JsonPropertyDescription("True, False or Unknown.")
    @Required
    private String status;

    @JsonPropertyDescription("Machine-readable CamelCase reason for the last transition.")
    @Required
    @Size(min = 1, max = 1024)
    @Pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
    private String reason;

    @JsonPropertyDescription("Human-readable message; for failures it says what to fix.")
    @Required
    @Size(max = 32768)
    private String message;

    @JsonPropertyDescription("The metadata.generation the condition was set for.")
    @Min(0)
    private Long observedGeneration;

    @JsonPropertyDescription("When status last changed (RFC 3339).")
    @Required
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
