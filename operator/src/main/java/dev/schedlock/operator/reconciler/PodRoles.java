package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.model.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
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
                // One JSON patch that touches only this label, whatever else changed in the pod meanwhile.
                // Sent on the informer's copy: edit() and withName(…).patch() would GET the pod first.
                client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod)
                        .patch(PatchContext.of(PatchType.JSON), rolePatch(pod, role));
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

    /** A JSON patch (RFC 6902) setting the role label; a pod without labels gets the whole map. */
    static String rolePatch(Pod pod, String role) {
        if (pod.getMetadata().getLabels() == null) {
            return "[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"" + Labels.ROLE + "\":\"" + role
                    + "\"}}]";
        }
        // RFC 6901: '/' in a key is written '~1'.
        return "[{\"op\":\"add\",\"path\":\"/metadata/labels/" + Labels.ROLE.replace("~", "~0").replace("/", "~1")
                + "\",\"value\":\"" + role + "\"}]";
    }
}
