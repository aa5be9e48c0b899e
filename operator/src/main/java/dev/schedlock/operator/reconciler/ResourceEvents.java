package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.api.v1alpha1.Condition;
import dev.schedlock.operator.api.v1alpha1.LeaderStatus;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeploymentStatus;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records core/v1 Events on the SchedulerDeployment, for {@code kubectl describe}: whenever the
 * leader changes, and a Warning whenever {@code Ready} turns False for a reason the user must act
 * on (or that reason's message changes).
 */
public final class ResourceEvents {

    public static final String REASON_ELECTED = "LeaderElected";
    public static final String REASON_LOST = "LeaderLost";
    static final String COMPONENT = "schedlock-operator";
    /** Ready=False reasons that need someone to act; the others (pods starting, a lock change) pass. */
    static final Set<String> PROBLEMS = Set.of(StatusUpdate.REASON_INVALID_SPEC, StatusUpdate.REASON_REJECTED,
            StatusUpdate.REASON_FAILED);
    /** The API server keeps longer messages, but tools cut them; the condition has the whole text. */
    static final int MESSAGE_MAX = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ResourceEvents.class);

    private final KubernetesClient client;

    public ResourceEvents(KubernetesClient client) {
        this.client = client;
    }

    /**
     * A Warning Event with the Ready condition's reason and message, if {@code after} reports a
     * {@link #PROBLEMS problem} that {@code before} did not report in the same words.
     */
    public void recordProblem(SchedulerDeployment sd, SchedulerDeploymentStatus before,
                              SchedulerDeploymentStatus after, Instant now) {
        Condition next = after == null ? null : Conditions.find(after.getConditions(), Conditions.READY);
        if (next == null || !Conditions.FALSE.equals(next.getStatus()) || !PROBLEMS.contains(next.getReason())) {
            return;
        }
        Condition previous = before == null ? null : Conditions.find(before.getConditions(), Conditions.READY);
        if (previous != null && Objects.equals(previous.getStatus(), next.getStatus())
                && Objects.equals(previous.getReason(), next.getReason())
                && Objects.equals(previous.getMessage(), next.getMessage())) {
            return;
        }
        String message = next.getMessage() == null ? "" : next.getMessage();
        record(sd, "Warning", next.getReason(),
                message.length() > MESSAGE_MAX ? message.substring(0, MESSAGE_MAX - 1) + "…" : message, now);
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
