package dev.schedlock.operator.reconciler;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;

/**
 * A ReplicaSet as the Deployment controller sees it: the template it runs, how many pods it should
 * have ({@link #specReplicas}) and what its controller last counted (status). Pods being deleted
 * do not count in {@code replicas} (the ReplicaSet controller's rule) but do in {@code terminating}.
 */
final class SimReplicaSet {

    final String name;
    final String templateJson;
    final PodTemplateSpec template;
    /** Creation order; the Deployment controller scales old ReplicaSets down oldest first. */
    final long createdSeq;
    int specReplicas;
    int replicas;
    int readyReplicas;
    int availableReplicas;
    int terminating;
    /** What the API server has, so that only changes are written. */
    int publishedSpec = -1;
    String publishedStatus = "";

    SimReplicaSet(String name, String templateJson, PodTemplateSpec template, long createdSeq, int specReplicas) {
        this.name = name;
        this.templateJson = templateJson;
        this.template = template;
        this.createdSeq = createdSeq;
        this.specReplicas = specReplicas;
    }

    /** Pods of this ReplicaSet that exist, running or being deleted. */
    int podsPresent() {
        return replicas + terminating;
    }

    @Override
    public String toString() {
        return name + " spec=" + specReplicas + " replicas=" + replicas + " available=" + availableReplicas
                + " terminating=" + terminating;
    }
}
