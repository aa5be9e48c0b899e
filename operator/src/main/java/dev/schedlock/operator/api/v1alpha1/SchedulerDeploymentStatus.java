package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed: conditions, who leads, how many pods are ready. */
@JsonInclude(JsonInclude.Include.NON_NULL)
// metav1.Condition lists: one entry per type, merged by type.
@SchemaCustomizer(value = SchemaPatch.class, input = "{\"properties\":{\"conditions\":"
        + "{\"x-kubernetes-list-type\":\"map\",\"x-kubernetes-list-map-keys\":[\"type\"]}}}")
public class SchedulerDeploymentStatus {

    @JsonPropertyDescription("The metadata.generation this status was computed for.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready (objects applied and all pods ready) and LeaderElected (a pod holds the"
            + " lease), with Kubernetes condition semantics.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The pod that holds the lease, as its sidecar reports it. Absent when no pod"
            + " reports holding it.")
    private LeaderStatus leader;

    @JsonPropertyDescription("The last step-down request (annotation schedlock.dev/step-down-requested) and its"
            + " outcome.")
    private StepDownStatus stepDown;

    @JsonPropertyDescription("Pods of the Deployment (not counting pods being deleted).")
    @StatusReplicas
    private Integer replicas;

    @JsonPropertyDescription("Pods of the Deployment that are ready.")
    private Integer readyReplicas;

    @JsonPropertyDescription("Label selector of the pods, in the form kubectl -l takes (for the scale"
            + " subresource and autoscalers).")
    @LabelSelector
    private String selector;

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public LeaderStatus getLeader() {
        return leader;
    }

    public void setLeader(LeaderStatus leader) {
        this.leader = leader;
    }

    public StepDownStatus getStepDown() {
        return stepDown;
    }

    public void setStepDown(StepDownStatus stepDown) {
        this.stepDown = stepDown;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }

    public Integer getReadyReplicas() {
        return readyReplicas;
    }

    public void setReadyReplicas(Integer readyReplicas) {
        this.readyReplicas = readyReplicas;
    }
}
