package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.api.v1alpha1.LeaderStatus;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records a core/v1 Event on the SchedulerDeployment whenever the leader changes. */
public final class LeaderEvents {

    public static final String REASON_ELECTED = "LeaderElected";
    public static final String REASON_LOST = "LeaderLost";
    static final String COMPONENT = "schedlock-operator";

    private static final Logger LOG = LoggerFactory.getLogger(LeaderEvents.class);

    private final KubernetesClient client;

    public LeaderEvents(KubernetesClient client) {
        this.client = client;
    }

    /** Records the change from {@code before} to {@code after}; nothing if the leader is the same. */
    public void recordChange(SchedulerDeployment sd, LeaderStatus before, LeaderStatus after, Instant now) {
        if (StatusUpdate.sameLeader(before, after)) {
            return;
        }
        if (after != null) {
            record(sd, "Normal", REASON_ELECTED, "pod " + after.getPod() + " holds the lease with fencing token "
                    + after.getFencingToken() + (before != null ? " (was " + before.getPod() + ", token "
                    + before.getFencingToken() + ")" : ""), now);
        } else {
            record(sd, "Warning", REASON_LOST, "no pod reports holding the lease (was " + before.getPod()
                    + ", token " + before.getFencingToken() + ")", now);
        }
    }

    private void record(SchedulerDeployment sd, String type, String reason, String message, Instant now) {
        String time = StatusUpdate.rfc3339(now);
        try {
            client.v1().events().inNamespace(sd.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata()
                    // kubectl's convention: <object>.<unique suffix>
                    .withName(sd.getMetadata().getName() + "." + UUID.randomUUID().toString().replace("-", "")
                            .substring(0, 16).toLowerCase(Locale.ROOT))
                    .withNamespace(sd.getMetadata().getNamespace())
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder()
                            .withApiVersion(sd.getApiVersion()).withKind(sd.getKind())
                            .withName(sd.getMetadata().getName()).withNamespace(sd.getMetadata().getNamespace())
                            .withUid(sd.getMetadata().getUid()).withResourceVersion(sd.getMetadata().getResourceVersion())
                            .build())
                    .withType(type)
                    .withReason(reason)
                    .withMessage(message)
                    .withFirstTimestamp(time)
                    .withLastTimestamp(time)
                    .withCount(1)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .build()).create();
            LOG.info("{}: {}", reason, message);
        } catch (KubernetesClientException e) {
            // An event is a courtesy; failing to record one must not fail the reconcile.
            LOG.warn("could not record event {} ({}): {}", reason, message, e.getMessage());
        }
    }
}
