package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The simulator's Deployment controller follows the real one's arithmetic, pass by pass. */
class DeploymentRolloutTest {

    private final List<SimReplicaSet> made = new ArrayList<>();

    @ParameterizedTest(name = "{0} replicas: surge {1}, unavailable {2}")
    @CsvSource({"1, 1, 0", "2, 1, 0", "3, 1, 0", "4, 1, 1", "10, 3, 2", "0, 0, 0"})
    void shouldResolveTheDefaultQuarterAsTheControllerDoes(int replicas, int surge, int unavailable) {
        assertThat(DeploymentRollout.Fenceposts.of(null, replicas))
                .isEqualTo(new DeploymentRollout.Fenceposts(surge, unavailable));
    }

    @Test
    void shouldMakeAtLeastOnePodUnavailableWhenNeitherMaySurgeNorBeMissing() {
        var strategy = new DeploymentStrategyBuilder().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxSurge(new IntOrString(0)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate().build();
        assertThat(DeploymentRollout.Fenceposts.of(strategy, 2)).isEqualTo(new DeploymentRollout.Fenceposts(0, 1));
    }

    @Test
    void shouldRollTwoReplicasOneSurgePodAtATimeWithNoneUnavailable() {
        DeploymentSpec spec = spec(2, null);
        SimReplicaSet old = replicaSet("old", 2, 2);

        SimReplicaSet next = DeploymentRollout.sync(spec, null, List.of(old), this::create);
        assertThat(next.specReplicas).as("one surge pod").isEqualTo(1);
        assertThat(old.specReplicas).isEqualTo(2);

        DeploymentRollout.sync(spec, next, List.of(old), this::create);
        assertThat(old.specReplicas).as("no old pod goes before a new one is available").isEqualTo(2);

        available(next, 1);
        DeploymentRollout.sync(spec, next, List.of(old), this::create);
        assertThat(old.specReplicas).isEqualTo(1);
        assertThat(next.specReplicas).isEqualTo(1);

        old.replicas = 1;
        old.availableReplicas = 1;
        DeploymentRollout.sync(spec, next, List.of(old), this::create);
        assertThat(next.specReplicas).as("the second surge pod").isEqualTo(2);

        available(next, 2);
        DeploymentRollout.sync(spec, next, List.of(old), this::create);
        assertThat(old.specReplicas).isZero();
        assertThat(made).hasSize(1);
    }

    @Test
    void shouldScaleUnhealthyOldPodsDownFirst() {
        DeploymentSpec spec = spec(2, null);
        SimReplicaSet old = replicaSet("old", 2, 1);
        SimReplicaSet next = replicaSet("next", 1, 1);

        DeploymentRollout.sync(spec, next, List.of(old), this::create);

        assertThat(old.specReplicas).as("the old pod that is not available goes").isEqualTo(1);
    }

    @Test
    void shouldRecreateOnlyOnceNoOldPodExistsNotEvenOneBeingDeleted() {
        DeploymentSpec spec = spec(2, "Recreate");
        SimReplicaSet old = replicaSet("old", 2, 2);

        assertThat(DeploymentRollout.sync(spec, null, List.of(old), this::create)).isNull();
        assertThat(old.specReplicas).isZero();

        old.replicas = 0;
        old.availableReplicas = 0;
        old.terminating = 1; // deleted, still draining
        assertThat(DeploymentRollout.sync(spec, null, List.of(old), this::create)).isNull();
        assertThat(made).isEmpty();

        old.terminating = 0;
        SimReplicaSet next = DeploymentRollout.sync(spec, null, List.of(old), this::create);
        assertThat(next.specReplicas).isEqualTo(2);
    }

    @Test
    void shouldScaleTheOnlyReplicaSetToZeroAndBack() {
        SimReplicaSet current = replicaSet("current", 2, 2);

        DeploymentRollout.sync(spec(0, null), current, List.of(), this::create);
        assertThat(current.specReplicas).isZero();

        available(current, 0);
        DeploymentRollout.sync(spec(2, null), current, List.of(), this::create);
        assertThat(current.specReplicas).isEqualTo(2);
    }

    private SimReplicaSet create(int size) {
        SimReplicaSet rs = new SimReplicaSet("new-" + made.size(), "{}", null, 100 + made.size(), size);
        made.add(rs);
        return rs;
    }

    private static SimReplicaSet replicaSet(String name, int spec, int available) {
        SimReplicaSet rs = new SimReplicaSet(name, "{\"" + name + "\":1}", null, name.hashCode(), spec);
        rs.replicas = spec;
        rs.readyReplicas = available;
        rs.availableReplicas = available;
        return rs;
    }

    private static void available(SimReplicaSet rs, int pods) {
        rs.replicas = pods;
        rs.readyReplicas = pods;
        rs.availableReplicas = pods;
    }

    private static DeploymentSpec spec(int replicas, String strategy) {
        DeploymentSpecBuilder spec = new DeploymentSpecBuilder().withReplicas(replicas);
        if (strategy != null) {
            spec.withNewStrategy().withType(strategy).endStrategy();
        }
        return spec.build();
    }
}
