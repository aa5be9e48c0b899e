package dev.schedlock.operator.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.schedlock.operator.api.v1alpha1.Condition;
import dev.schedlock.operator.api.v1alpha1.LeaderStatus;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeploymentStatus;
import dev.schedlock.operator.model.RolloutPlan;
import dev.schedlock.operator.model.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Pure status computation: old status and observations in, new status out. Nothing here reads the
 * cluster; {@link #differs} decides whether the result is worth a write.
 */
public final class StatusUpdate {

    static final String REASON_INVALID_SPEC = "InvalidSpec";
    static final String REASON_REJECTED = "RejectedByApiServer";
    static final String REASON_FAILED = "ReconcileFailed";
    static final String REASON_PODS_READY = "AllPodsReady";
    static final String REASON_PODS_NOT_READY = "PodsNotReady";
    static final String REASON_LEASE_HELD = "LeaseHeld";
    static final String REASON_NO_LEADER = "NoLeader";
    static final String REASON_LOCK_CHANGING = "LockChanging";
    /** Pods named in a message at most; the rest are counted. */
    private static final int PODS_NAMED = 5;

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private StatusUpdate() {
    }

    /** Ready=False with every problem; the rest of the status (the last known leader) stays. */
    public static SchedulerDeploymentStatus invalid(SchedulerDeploymentStatus old, long generation,
                                                    List<Problem> problems, Instant now) {
        String message = problems.stream().map(Problem::toString).collect(Collectors.joining("; "))
                + ". Running pods were left as they are.";
        return notReady(old, generation, REASON_INVALID_SPEC, message, now);
    }

    /** Ready=False because the API server refused an object (e.g. a bad pod template). */
    public static SchedulerDeploymentStatus rejected(SchedulerDeploymentStatus old, long generation, String message,
                                                     Instant now) {
        return notReady(old, generation, REASON_REJECTED, message, now);
    }

    /** Ready=False because the last reconcile failed; JOSDK retries it. */
    public static SchedulerDeploymentStatus failed(SchedulerDeploymentStatus old, long generation, String message,
                                                   Instant now) {
        return notReady(old, generation, REASON_FAILED, message + " (retrying)", now);
    }

    private static SchedulerDeploymentStatus notReady(SchedulerDeploymentStatus old, long generation, String reason,
                                                      String message, Instant now) {
        SchedulerDeploymentStatus next = copy(old);
        next.setObservedGeneration(generation);
        next.setConditions(Conditions.set(next.getConditions(),
                condition(Conditions.READY, Conditions.FALSE, reason, message, generation, now)));
        return next;
    }

    /** The status of a valid, applied resource: pod counts from the Deployment, leader from the poll. */
    public static SchedulerDeploymentStatus observed(SchedulerDeploymentStatus old, LeaderStatus previousLeader,
                                                     long generation, int wanted, Optional<Deployment> deployment,
                                                     LeaderPoll.Result poll, RolloutPlan plan, Instant now) {
        SchedulerDeploymentStatus next = copy(old);
        next.setObservedGeneration(generation);
        DeploymentStatus ds = deployment.map(Deployment::getStatus).orElse(null);
        int replicas = ds != null && ds.getReplicas() != null ? ds.getReplicas() : 0;
        int ready = ds != null && ds.getReadyReplicas() != null ? ds.getReadyReplicas() : 0;
        next.setReplicas(replicas);
        next.setReadyReplicas(ready);
        Condition readiness;
        if (plan.holdReplicas()) {
            readiness = condition(Conditions.READY, Conditions.FALSE, REASON_LOCK_CHANGING, lockChanging(plan),
                    generation, now);
        } else if (ready >= wanted && replicas == wanted) {
            readiness = condition(Conditions.READY, Conditions.TRUE, REASON_PODS_READY,
                    ready + " of " + wanted + " pods ready", generation, now);
        } else {
            readiness = condition(Conditions.READY, Conditions.FALSE, REASON_PODS_NOT_READY,
                    ready + " of " + wanted + " pods ready", generation, now);
        }
        next.setConditions(Conditions.set(next.getConditions(), readiness));
        next.setLeader(poll.leader().map(l -> leaderStatus(previousLeader, l, now)).orElse(null));
        next.setConditions(Conditions.set(next.getConditions(), poll.leader()
                .map(l -> condition(Conditions.LEADER_ELECTED, Conditions.TRUE, REASON_LEASE_HELD,
                        "pod " + l.pod() + " holds the lease (fencing token " + l.report().fencingToken() + ")",
                        generation, now))
                .orElseGet(() -> condition(Conditions.LEADER_ELECTED, Conditions.FALSE, REASON_NO_LEADER,
                        "none of the " + poll.reporting() + " pods that answered holds the lease", generation, now))));
        return next;
    }

    private static String lockChanging(RolloutPlan plan) {
        List<String> pods = plan.podsOnOtherLocks();
        String named = String.join(", ", pods.subList(0, Math.min(PODS_NAMED, pods.size())))
                + (pods.size() > PODS_NAMED ? " and " + (pods.size() - PODS_NAMED) + " more" : "");
        return "the lock or store changed: no pod starts on the new one until every pod of the old one is gone;"
                + " waiting for " + named + " (a pod stuck Terminating on a lost node holds this up: see"
                + " docs/operations.md, \"Changing the lock or the store\")";
    }

    /** Whether {@code next} says anything {@code old} did not; transition times alone do not count. */
    public static boolean differs(SchedulerDeploymentStatus old, SchedulerDeploymentStatus next) {
        return !Objects.equals(withoutTransitionTimes(old), withoutTransitionTimes(next));
    }

    /** Same holder and token as before: a new leader (or a new lease of the same pod) otherwise. */
    public static boolean sameLeader(LeaderStatus a, LeaderStatus b) {
        if (a == null || b == null) {
            return a == b;
        }
        return Objects.equals(a.getHolderId(), b.getHolderId()) && Objects.equals(a.getFencingToken(), b.getFencingToken());
    }

    private static LeaderStatus leaderStatus(LeaderStatus before, LeaderPoll.PodReport leader, Instant now) {
        LeaderStatus next = new LeaderStatus(leader.pod(), leader.report().holderId(), leader.report().fencingToken(),
                rfc3339(now));
        if (sameLeader(before, next)) {
            next.setSince(before.getSince());
        }
        return next;
    }

    private static Condition condition(String type, String status, String reason, String message, long generation,
                                       Instant now) {
        return new Condition(type, status, reason, message, generation, rfc3339(now));
    }

    private static SchedulerDeploymentStatus copy(SchedulerDeploymentStatus old) {
        if (old == null) {
            return new SchedulerDeploymentStatus();
        }
        SchedulerDeploymentStatus copy = SERIALIZATION.clone(old);
        copy.setConditions(new ArrayList<>(copy.getConditions() != null ? copy.getConditions() : List.of()));
        return copy;
    }

    private static JsonNode withoutTransitionTimes(SchedulerDeploymentStatus status) {
        JsonNode tree = SERIALIZATION.convertValue(status != null ? status : new SchedulerDeploymentStatus(),
                JsonNode.class);
        JsonNode conditions = tree.path("conditions");
        conditions.forEach(c -> ((ObjectNode) c).remove("lastTransitionTime"));
        return tree;
    }

    static String rfc3339(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
