package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.model.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Collection;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Labels each pod {@code schedlock.dev/role=leader|standby}, so that {@code kubectl get pods -l} and
 * Services can find the leader. Only pods whose label is wrong are written. The label is
 * informative and may lag the lease by one poll: apps must ask their sidecar, never the label.
 */
public final class PodRoles {

    private static final Logger LOG = LoggerFactory.getLogger(PodRoles.class);

    private final KubernetesClient client;

    public PodRoles(KubernetesClient client) {
        this.client = client;
    }

    /** Sets the role of every pod; {@code leaderPod} null means all stand by. Returns how many were written. */
    public int label(Collection<Pod> pods, String leaderPod) {
        int written = 0;
        for (Pod pod : pods) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String role = pod.getMetadata().getName().equals(leaderPod) ? Labels.ROLE_LEADER : Labels.ROLE_STANDBY;
            String current = pod.getMetadata().getLabels() != null ? pod.getMetadata().getLabels().get(Labels.ROLE) : null;
            if (Objects.equals(current, role)) {
                continue;
            }
            try {
                // A JSON patch (edit) touches only this label, whatever else changed in the pod meanwhile.
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                        .edit(p -> new PodBuilder(p).editMetadata().addToLabels(Labels.ROLE, role).endMetadata().build());
                written++;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
                LOG.debug("pod {} is gone; not labelled", pod.getMetadata().getName());
            }
        }
        return written;
    }
}
