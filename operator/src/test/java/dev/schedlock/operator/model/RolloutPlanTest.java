package dev.schedlock.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.SidecarSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which edits change the lock, and how the Deployment then replaces its pods. */
class RolloutPlanTest {

    private static final ModelContext CONTEXT = new ModelContext("ghcr.io/schedlock/sidecar:0.1.0", true, false);
    private static final String A = "aaaaaaaaaaaaaaaa";
    private static final String B = "bbbbbbbbbbbbbbbb";

    static Stream<Arguments> edits() {
        return Stream.of(
                edit("lock name", true, sd -> lease(sd).setLockName("other")),
                edit("SQLite path", true, sd -> sd.getSpec().getStore().getSqlite().setPath("other.db")),
                edit("SQLite claim", true, sd -> sd.getSpec().getStore().getSqlite().setExistingClaim("other")),
                edit("SQLite to PostgreSQL", true,
                        sd -> sd.getSpec().setStore(TestResources.postgres("x").getSpec().getStore())),
                edit("resource name (default lock name)", true, sd -> sd.getMetadata().setName("billing-2")),
                edit("sidecar image", false, sd -> {
                    sd.getSpec().setSidecar(new SidecarSpec());
                    sd.getSpec().getSidecar().setImage("ghcr.io/schedlock/sidecar:0.2.0");
                }),
                edit("app image", false,
                        sd -> sd.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("app:2")),
                edit("app env", false, sd -> sd.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                        .add(new EnvVar("X", "1", null))),
                edit("timing", false, sd -> {
                    lease(sd).setTtl("90s");
                    lease(sd).setHeartbeatInterval("15s");
                    lease(sd).setPermitTtl("15s");
                }),
                edit("replicas", false, sd -> sd.getSpec().setReplicas(0)),
                edit("default lock name written out", false, sd -> lease(sd).setLockName("jobs.billing")));
    }

    @ParameterizedTest(name = "{0}: new lock {1}")
    @MethodSource("edits")
    void shouldTellWhichEditsMoveThePodsToAnotherLock(String what, boolean newLock,
                                                      Consumer<SchedulerDeployment> change) {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        String before = LockIdentity.of(sd);
        change.accept(sd);
        assertThat(!LockIdentity.of(sd).equals(before)).isEqualTo(newLock);
    }

    @Test
    void shouldSeeAPostgresUrlOrSchemaChangeButNotAUserChange() {
        SchedulerDeployment sd = TestResources.postgres("billing");
        String before = LockIdentity.of(sd);
        sd.getSpec().getStore().getPostgres().setUser("someone-else");
        assertThat(LockIdentity.of(sd)).isEqualTo(before);
        sd.getSpec().getStore().getPostgres().setSchema("other");
        assertThat(LockIdentity.of(sd)).isNotEqualTo(before);
        sd.getSpec().getStore().getPostgres().setSchema(null);
        sd.getSpec().getStore().getPostgres().setUrl("jdbc:postgresql://db2.example:5432/billing");
        assertThat(LockIdentity.of(sd)).isNotEqualTo(before);
    }

    @Test
    void shouldPutTheIdentityOnThePodTemplate() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        Deployment deployment = DeploymentModel.build(sd, CONTEXT);
        assertThat(LockIdentity.on(deployment.getSpec().getTemplate().getMetadata())).contains(LockIdentity.of(sd));
    }

    @Test
    void shouldRollWhenEveryPodRunsTheDesiredLock() {
        RolloutPlan plan = RolloutPlan.of(A, Optional.of(deploymentOn(A)), List.of(pod("p1", A, "Running")));

        assertThat(plan).isEqualTo(RolloutPlan.rollingUpdate());
        assertThat(plan.strategy().getType()).isEqualTo("RollingUpdate");
        assertThat(plan.strategy().getRollingUpdate().getMaxSurge()).isEqualTo(new IntOrString("25%"));
        assertThat(plan.strategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString("25%"));
        assertThat(plan.replicas(2)).isEqualTo(2);
    }

    @Test
    void shouldRollForANewResourceWithoutPods() {
        assertThat(RolloutPlan.of(A, Optional.empty(), List.of())).isEqualTo(RolloutPlan.rollingUpdate());
    }

    @Test
    void shouldRecreateAndHoldWhileOldPodsRunTheOtherLock() {
        RolloutPlan plan = RolloutPlan.of(B, Optional.of(deploymentOn(A)),
                List.of(pod("p2", A, "Running"), pod("p1", A, "Running")));

        assertThat(plan.recreate()).isTrue();
        assertThat(plan.strategy().getType()).isEqualTo("Recreate");
        assertThat(plan.strategy().getRollingUpdate()).as("not allowed with Recreate").isNull();
        assertThat(plan.replicas(2)).isZero();
        assertThat(plan.podsOnOtherLocks()).containsExactly("p1", "p2");
    }

    @Test
    void shouldStillHoldWhileTheLastOldPodDrainsAfterTheTemplateChanged() {
        Pod draining = new PodBuilder(pod("p1", A, "Running")).editMetadata()
                .withDeletionTimestamp("2026-01-01T10:00:00Z").endMetadata().build();

        RolloutPlan plan = RolloutPlan.of(B, Optional.of(deploymentOn(B)), List.of(draining, pod("p3", B, "Pending")));

        assertThat(plan).isEqualTo(new RolloutPlan(true, true, List.of("p1")));
    }

    @Test
    void shouldRecreateWhenTheTemplateRunsAnotherLockEvenIfNoPodIsSeenYet() {
        // Pods the Deployment controller just made may not have reached the operator's cache.
        RolloutPlan plan = RolloutPlan.of(B, Optional.of(deploymentOn(A)), List.of());

        assertThat(plan).isEqualTo(new RolloutPlan(true, false, List.of()));
        assertThat(plan.replicas(2)).isEqualTo(2);
    }

    @Test
    void shouldKeepRecreateUntilTheDeploymentControllerReportsTheRolloutDone() {
        Deployment recreating = deploymentOn(B);
        recreating.getSpec().setStrategy(new RolloutPlan(true, false, List.of()).strategy());
        recreating.getMetadata().setGeneration(7L);
        recreating.setStatus(new DeploymentStatusBuilder().withObservedGeneration(6L).withReplicas(2)
                .withUpdatedReplicas(2).build());
        List<Pod> newPods = List.of(pod("p3", B, "Running"), pod("p4", B, "Running"));

        assertThat(RolloutPlan.of(B, Optional.of(recreating), newPods).recreate())
                .as("the controller has not seen the last write yet").isTrue();

        recreating.getStatus().setObservedGeneration(7L);
        recreating.getStatus().setUpdatedReplicas(1);
        assertThat(RolloutPlan.of(B, Optional.of(recreating), newPods).recreate())
                .as("a pod it counts is not of the new template").isTrue();

        recreating.getStatus().setUpdatedReplicas(2);
        assertThat(RolloutPlan.of(B, Optional.of(recreating), newPods)).isEqualTo(RolloutPlan.rollingUpdate());
    }

    @Test
    void shouldScaleUpAfterTheHoldStillWithRecreate() {
        Deployment held = deploymentOn(B);
        held.getSpec().setStrategy(new RolloutPlan(true, true, List.of()).strategy());
        held.getSpec().setReplicas(0);
        held.getMetadata().setGeneration(3L);
        held.setStatus(new DeploymentStatusBuilder().withObservedGeneration(3L).withReplicas(0)
                .withUpdatedReplicas(0).build());

        RolloutPlan plan = RolloutPlan.of(B, Optional.of(held), List.of());

        assertThat(plan).as("pods being deleted are not in the controller's count: let it wait for them")
                .isEqualTo(new RolloutPlan(true, false, List.of()));
        assertThat(plan.replicas(2)).isEqualTo(2);
    }

    @Test
    void shouldHoldForPodsOfADeletedResourceOfTheSameName() {
        RolloutPlan plan = RolloutPlan.of(B, Optional.empty(), List.of(pod("old-1", A, "Running")));

        assertThat(plan).isEqualTo(new RolloutPlan(true, true, List.of("old-1")));
    }

    @Test
    void shouldIgnoreFinishedPodsAndCountPodsWithoutAnIdentity() {
        Pod unmarked = new PodBuilder().withNewMetadata().withName("unmarked").endMetadata()
                .withNewStatus().withPhase("Running").endStatus().build();

        RolloutPlan plan = RolloutPlan.of(B, Optional.of(deploymentOn(B)),
                List.of(pod("evicted", A, "Failed"), pod("done", A, "Succeeded"), unmarked));

        assertThat(plan.podsOnOtherLocks()).containsExactly("unmarked");
    }

    private static Arguments edit(String what, boolean newLock, Consumer<SchedulerDeployment> change) {
        return Arguments.of(what, newLock, change);
    }

    private static LeaseSpec lease(SchedulerDeployment sd) {
        if (sd.getSpec().getLease() == null) {
            sd.getSpec().setLease(new LeaseSpec());
        }
        return sd.getSpec().getLease();
    }

    private static Deployment deploymentOn(String identity) {
        Deployment d = DeploymentModel.build(TestResources.sqlite("billing"), CONTEXT);
        d.getSpec().getTemplate().getMetadata().getAnnotations().put(LockIdentity.ANNOTATION, identity);
        return d;
    }

    private static Pod pod(String name, String identity, String phase) {
        return new PodBuilder().withNewMetadata().withName(name).addToAnnotations(LockIdentity.ANNOTATION, identity)
                .endMetadata().withNewStatus().withPhase(phase).endStatus().build();
    }
}
