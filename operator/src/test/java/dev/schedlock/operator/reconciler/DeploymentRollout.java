package dev.schedlock.operator.reconciler;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * One pass of Kubernetes' Deployment controller over the ReplicaSets of one Deployment, with the
 * rules of {@code pkg/controller/deployment/rolling.go}, {@code recreate.go} and
 * {@code util/deployment_util.go} ({@code NewRSNewReplicas}, {@code ResolveFenceposts},
 * {@code MaxUnavailable}):
 * <ul>
 *   <li><b>RollingUpdate</b> (the default; maxSurge and maxUnavailable default to 25 %, surge
 *       rounded up, unavailable down, and at least one of them 1): first grow the new ReplicaSet
 *       while all ReplicaSets' desired pods stay within replicas + maxSurge; if nothing grew, shrink
 *       old ReplicaSets (oldest first; unhealthy pods first) while the available pods stay at
 *       replicas − maxUnavailable or more. With 2 replicas that is one surge pod and none
 *       unavailable: a new pod must be available before an old one goes.</li>
 *   <li><b>Recreate</b>: scale every old ReplicaSet to 0; while any pod of an old ReplicaSet still
 *       exists (running or being deleted: {@code oldPodsRunning}), do nothing more; then create the
 *       new ReplicaSet and scale it to replicas.</li>
 * </ul>
 *
 * <p>Where this differs from the real controller: a replica change in the middle of a rollout is
 * not scaled proportionally across ReplicaSets ({@code sync.go}'s {@code scale}); there is no
 * progress deadline, pause, rollback, revision history limit or {@code minReadySeconds} (a ready
 * pod is available at once); the pass runs when the test calls it, not on informer events, so the
 * status it reads is the one counted at the start of the same pass. Pods being deleted are not
 * counted by RollingUpdate (as before Kubernetes 1.33's alpha {@code podReplacementPolicy}).
 */
final class DeploymentRollout {

    static final String ROLLING_UPDATE = "RollingUpdate";
    static final String RECREATE = "Recreate";
    private static final IntOrString DEFAULT_FRACTION = new IntOrString("25%");

    /** maxSurge and maxUnavailable as pod counts for {@code replicas}. */
    record Fenceposts(int maxSurge, int maxUnavailable) {

        static Fenceposts of(DeploymentStrategy strategy, int replicas) {
            RollingUpdateDeployment rolling = strategy != null ? strategy.getRollingUpdate() : null;
            int surge = scaled(rolling != null ? rolling.getMaxSurge() : null, replicas, true);
            int unavailable = scaled(rolling != null ? rolling.getMaxUnavailable() : null, replicas, false);
            if (surge == 0 && unavailable == 0) {
                unavailable = 1; // ResolveFenceposts: a rollout must be able to make progress
            }
            return new Fenceposts(surge, Math.min(unavailable, replicas));
        }

        private static int scaled(IntOrString value, int total, boolean roundUp) {
            IntOrString v = value != null ? value : DEFAULT_FRACTION;
            if (v.getIntVal() != null) {
                return v.getIntVal();
            }
            int percent = Integer.parseInt(v.getStrVal().replace("%", ""));
            return roundUp ? (total * percent + 99) / 100 : total * percent / 100;
        }
    }

    private DeploymentRollout() {
    }

    static String strategyType(DeploymentSpec spec) {
        return Optional.ofNullable(spec.getStrategy()).map(DeploymentStrategy::getType).orElse(ROLLING_UPDATE);
    }

    /**
     * Sets the ReplicaSets' {@code specReplicas} for this pass.
     *
     * @param newRs  the ReplicaSet whose template is the Deployment's, or null if there is none yet
     * @param old    every other ReplicaSet of the Deployment
     * @param create makes the new ReplicaSet with the given size
     * @return the new ReplicaSet, or null while Recreate waits for the old pods to go
     */
    static SimReplicaSet sync(DeploymentSpec spec, SimReplicaSet newRs, List<SimReplicaSet> old,
                              IntFunction<SimReplicaSet> create) {
        List<SimReplicaSet> oldestFirst = new ArrayList<>(old);
        oldestFirst.sort(Comparator.comparingLong(rs -> rs.createdSeq));
        int replicas = spec.getReplicas() != null ? spec.getReplicas() : 1;
        return RECREATE.equals(strategyType(spec))
                ? recreate(replicas, newRs, oldestFirst, create)
                : rolling(replicas, Fenceposts.of(spec.getStrategy(), replicas), newRs, oldestFirst, create);
    }

    private static SimReplicaSet recreate(int replicas, SimReplicaSet newRs, List<SimReplicaSet> old,
                                          IntFunction<SimReplicaSet> create) {
        boolean scaledDown = false;
        for (SimReplicaSet rs : old) {
            if (rs.specReplicas > 0) {
                rs.specReplicas = 0;
                scaledDown = true;
            }
        }
        if (scaledDown || old.stream().anyMatch(rs -> rs.podsPresent() > 0)) {
            return newRs; // oldPodsRunning: the new ReplicaSet waits
        }
        if (newRs == null) {
            return create.apply(replicas);
        }
        newRs.specReplicas = replicas;
        return newRs;
    }

    private static SimReplicaSet rolling(int replicas, Fenceposts f, SimReplicaSet newRs, List<SimReplicaSet> old,
                                         IntFunction<SimReplicaSet> create) {
        if (newRs == null) {
            newRs = create.apply(newReplicaSetSize(replicas, f, 0, sumSpec(old)));
        }
        // reconcileNewReplicaSet
        if (newRs.specReplicas > replicas) {
            newRs.specReplicas = replicas;
            return newRs;
        }
        if (newRs.specReplicas < replicas) {
            int size = newReplicaSetSize(replicas, f, newRs.specReplicas, newRs.specReplicas + sumSpec(old));
            if (size != newRs.specReplicas) {
                newRs.specReplicas = size;
                return newRs;
            }
        }
        reconcileOld(replicas, f, newRs, old);
        return newRs;
    }

    /** {@code NewRSNewReplicas} for RollingUpdate: grow while all desired pods fit in replicas + maxSurge. */
    static int newReplicaSetSize(int replicas, Fenceposts f, int newSpec, int allSpec) {
        int maxTotal = replicas + f.maxSurge();
        if (allSpec >= maxTotal) {
            return newSpec;
        }
        return newSpec + Math.min(maxTotal - allSpec, replicas - newSpec);
    }

    /** {@code reconcileOldReplicaSets}: unhealthy old pods first, then as many as availability allows. */
    private static void reconcileOld(int replicas, Fenceposts f, SimReplicaSet newRs, List<SimReplicaSet> old) {
        if (sumSpec(old) == 0) {
            return;
        }
        int all = sumSpec(old) + newRs.specReplicas;
        int maxUnavailable = replicas == 0 ? 0 : f.maxUnavailable();
        int minAvailable = replicas - maxUnavailable;
        int newUnavailable = newRs.specReplicas - newRs.availableReplicas;
        int maxScaledDown = all - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) {
            return;
        }
        int cleaned = 0;
        for (SimReplicaSet rs : old) {
            if (cleaned >= maxScaledDown) {
                break;
            }
            if (rs.specReplicas == 0 || rs.specReplicas == rs.availableReplicas) {
                continue;
            }
            int down = Math.min(maxScaledDown - cleaned, rs.specReplicas - rs.availableReplicas);
            rs.specReplicas -= down;
            cleaned += down;
        }
        int available = newRs.availableReplicas + old.stream().mapToInt(rs -> rs.availableReplicas).sum();
        if (available <= minAvailable) {
            return;
        }
        int toScaleDown = available - minAvailable;
        int scaled = 0;
        for (SimReplicaSet rs : old) {
            if (scaled >= toScaleDown) {
                break;
            }
            if (rs.specReplicas == 0) {
                continue;
            }
            int down = Math.min(rs.specReplicas, toScaleDown - scaled);
            rs.specReplicas -= down;
            scaled += down;
        }
    }

    private static int sumSpec(List<SimReplicaSet> sets) {
        return sets.stream().mapToInt(rs -> rs.specReplicas).sum();
    }
}
