package dev.schedlock.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Collection;
import java.util.List;

/**
 * What the sidecars of one SchedulerDeployment said at the last poll, and which pods were asked
 * (name and IP). Two observations are equal when the same pods gave the same answers: the polling
 * event source triggers a reconcile only when an observation differs from the one before (see
 * docs/decisions/0017-leader-polling-as-an-event-source.md).
 *
 * @param asked  {@code pod=ip} of every pod that had an IP, sorted
 * @param result their answers
 */
public record LeaderObservation(List<String> asked, LeaderPoll.Result result) {

    /** {@code pod=ip} of the pods that have an IP, sorted: the pods a poll asks. */
    public static List<String> askable(Collection<Pod> pods) {
        return pods.stream()
                .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null
                        && !p.getStatus().getPodIP().isBlank())
                .map(p -> p.getMetadata().getName() + "=" + p.getStatus().getPodIP())
                .sorted()
                .toList();
    }

    /** Whether this observation was made on exactly {@code pods} (no pod came, went or moved since). */
    public boolean madeOn(Collection<Pod> pods) {
        return asked.equals(askable(pods));
    }
}
