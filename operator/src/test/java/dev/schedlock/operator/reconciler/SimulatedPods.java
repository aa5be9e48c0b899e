package dev.schedlock.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Plays the ReplicaSet controller and the kubelet: pods from a Deployment's template, with an IP. */
final class SimulatedPods {

    private SimulatedPods() {
    }

    /** Publishes pod {@code <deployment>-<index>}, running at {@code ip}. */
    static Pod publish(KubernetesClient client, Deployment deployment, int index, String ip) {
        PodTemplateSpec template = deployment.getSpec().getTemplate();
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(deployment.getMetadata().getName() + "-" + index)
                .withNamespace(deployment.getMetadata().getNamespace())
                .withUid("pod-uid-" + index)
                .withLabels(template.getMetadata().getLabels())
                .withAnnotations(template.getMetadata().getAnnotations())
                .endMetadata()
                .withSpec(template.getSpec())
                .withNewStatus().withPhase("Running").withPodIP(ip).endStatus()
                .build();
        return client.resource(pod).create();
    }
}
