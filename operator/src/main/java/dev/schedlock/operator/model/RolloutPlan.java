package dev.schedlock.operator.model;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How the Deployment may replace its pods, decided from what runs now (see
 * docs/decisions/0008-lock-changes-stop-every-old-pod-first.md).
 *
 * <p>On one lock a rolling update is safe: a new pod is a standby until the old leader lets go, and
 * the lease keeps the two apart. On a new lock it is not: the new lock is free, its first pod leads
 * at once, while the old leader still holds the old lock. So when the {@link LockIdentity} changes,
 * no pod may start on the new lock before every pod of the old one is gone:
 * <ul>
 *   <li>{@link #recreate}: the Deployment uses {@code strategy: Recreate}, whose controller scales
 *       the old ReplicaSets to 0 and creates the new pods only once no old pod exists, not even one
 *       being deleted; and</li>
 *   <li>{@link #holdReplicas}: while the operator itself still sees a running pod of another lock,
 *       the Deployment asks for 0 pods. This covers pods the Deployment controller does not wait
 *       for: those of a deleted and re-created resource of the same name, still draining.</li>
 * </ul>
 * Once the operator sees no pod of another lock, the Deployment gets the wanted replicas again,
 * still with Recreate; once the Deployment controller also reports that rollout done (every pod it
 * counts is of the new template, which under Recreate it made only after no old pod existed in its
 * view), the plan returns to RollingUpdate (maxSurge 25 %, maxUnavailable 25 %, Kubernetes'
 * defaults written out). The operator's pod cache alone would not do for that last step: it may
 * not yet show a pod the old ReplicaSet made a moment before the lock changed.
 *
 * <p>Not guaranteed: "gone" is what the API server says. A pod force-deleted
 * ({@code --grace-period=0 --force}) or removed with its node object while its node is cut off may
 * still run, and still lead the old lock, when the new pods start. Nor does the plan see pods
 * outside this resource that use the same lock.
 *
 * @param recreate       use the Recreate strategy for this rollout
 * @param holdReplicas   ask for 0 pods until the pods of other locks are gone
 * @param podsOnOtherLocks the pods (names) that run another lock and are not finished, for status
 */
public record RolloutPlan(boolean recreate, boolean holdReplicas, List<String> podsOnOtherLocks) {

    private static final Set<String> FINISHED = Set.of("Succeeded", "Failed");
    private static final String RECREATE = "Recreate";
    private static final IntOrString KUBERNETES_DEFAULT = new IntOrString("25%");

    /** Every pod runs the desired lock (or there is none): a rolling update. */
    public static RolloutPlan rollingUpdate() {
        return new RolloutPlan(false, false, List.of());
    }

    /**
     * The plan for a resource whose pods should use lock {@code desired}.
     *
     * @param live the Deployment as the operator last saw it, if any
     * @param pods every pod of the resource the operator sees, running or being deleted
     */
    public static RolloutPlan of(String desired, Optional<Deployment> live, Collection<Pod> pods) {
        List<String> others = pods.stream()
                .filter(p -> p.getStatus() == null || !FINISHED.contains(p.getStatus().getPhase()))
                .filter(p -> !LockIdentity.on(p.getMetadata()).map(desired::equals).orElse(false))
                .map(p -> p.getMetadata().getName())
                .sorted()
                .toList();
        boolean templateOnOtherLock = live.map(d -> d.getSpec().getTemplate().getMetadata())
                .map(meta -> !Objects.equals(LockIdentity.on(meta).orElse(null), desired))
                .orElse(false);
        boolean recreating = live.filter(d -> RECREATE.equals(d.getSpec().getStrategy() != null
                ? d.getSpec().getStrategy().getType() : null)).filter(d -> !rolledOut(d)).isPresent();
        return new RolloutPlan(templateOnOtherLock || recreating || !others.isEmpty(), !others.isEmpty(), others);
    }

    /**
     * Whether the Deployment controller reports the rollout of the Deployment's current generation
     * done: it has seen that generation, and the pods it counts, at least one, all belong to the
     * current template. Under Recreate it made those pods only once no old pod existed in its view,
     * so the strategy may go back. A Deployment at 0 replicas (held, or scaled to 0) has made no
     * such pod, and its controller does not count pods being deleted: it stays on Recreate.
     */
    private static boolean rolledOut(Deployment d) {
        DeploymentStatus status = d.getStatus();
        if (status == null || status.getObservedGeneration() == null || d.getMetadata().getGeneration() == null) {
            return false;
        }
        int wanted = Objects.requireNonNullElse(d.getSpec().getReplicas(), 1);
        return wanted > 0 && status.getObservedGeneration() >= d.getMetadata().getGeneration()
                && Objects.requireNonNullElse(status.getUpdatedReplicas(), 0) == wanted
                && Objects.requireNonNullElse(status.getReplicas(), 0) == wanted;
    }

    /** The Deployment's strategy for this plan. */
    public DeploymentStrategy strategy() {
        if (recreate) {
            return new DeploymentStrategyBuilder().withType(RECREATE).build();
        }
        return new DeploymentStrategyBuilder().withType("RollingUpdate")
                .withNewRollingUpdate().withMaxSurge(KUBERNETES_DEFAULT).withMaxUnavailable(KUBERNETES_DEFAULT)
                .endRollingUpdate()
                .build();
    }

    /** The Deployment's replicas for this plan, given what the resource asks for. */
    public int replicas(int wanted) {
        return holdReplicas ? 0 : wanted;
    }
}
