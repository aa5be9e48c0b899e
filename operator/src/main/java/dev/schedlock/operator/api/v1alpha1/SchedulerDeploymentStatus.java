package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed: conditions, who leads, how many pods are ready. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SchedulerDeploymentStatus {

    @JsonPropertyDescription("The metadata.generation this status was computed for.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready (objects applied and all pods ready) and LeaderElected (a pod holds the"
            + " lease), with Kubernetes condition semantics.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The pod that holds the lease, as its sidecar reports it. Absent when no pod"
            + " reports holding it.")
    private LeaderStatus leader;

    @JsonPropertyDescription("Pods of the Deployment.")
    private Integer replicas;

    @JsonPropertyDescription("Pods of the Deployment that are ready.")
    private Integer readyReplicas;

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

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public Integer getReadyReplicas() {
        return readyReplicas;
    }

    public void setReadyReplicas(Integer readyReplicas) {
        this.readyReplicas = readyReplicas;
    }
}
