package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.Condition;
import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.PostgresStore;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.model.Labels;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator against the mock API server; the test plays the controllers and the sidecars. */
class SchedulerDeploymentReconcilerIT {

    private static final Duration POLL = Duration.ofMillis(200);

    private final FakeLeaseStatus sidecars = new FakeLeaseStatus();
    private MockCluster k8s;

    @BeforeEach
    void startOperator() throws Exception {
        k8s = new MockCluster(sidecars, POLL, "31");
    }

    @AfterEach
    void stopOperator() {
        k8s.close();
    }

    @Test
    void shouldCreateOwnedDeploymentServiceBudgetAndClaim() {
        SchedulerDeployment sd = k8s.create(TestResources.sqlite("billing"));

        eventually(20).untilAsserted(() -> assertThat(k8s.ownedObjects())
                .extracting(HasMetadata::getKind, o -> o.getMetadata().getName())
                .containsExactlyInAnyOrder(
                        tuple("Deployment", "billing"),
                        tuple("Service", "billing-status"),
                        tuple("PodDisruptionBudget", "billing"),
                        tuple("PersistentVolumeClaim", "billing-lease")));
        assertThat(k8s.ownedObjects()).allSatisfy(o -> assertThat(o.getMetadata().getOwnerReferences())
                .singleElement().satisfies(ref -> {
                    assertThat(ref.getUid()).isEqualTo(sd.getMetadata().getUid());
                    assertThat(ref.getController()).isTrue();
                }));
        Deployment deployment = k8s.deployment("billing");
        assertThat(deployment.getSpec().getTemplate().getSpec().getInitContainers())
                .as("Kubernetes 1.31: native sidecar").extracting("name").containsExactly("schedlock");

        eventually(10).untilAsserted(() -> {
            Condition ready = condition(k8s.get("billing"), Conditions.READY);
            assertThat(ready.getStatus()).isEqualTo("False");
            assertThat(ready.getReason()).isEqualTo("PodsNotReady");
            assertThat(k8s.get("billing").getStatus().getObservedGeneration()).isEqualTo(1L);
            assertThat(k8s.get("billing").getStatus().getSelector()).as("for kubectl scale")
                    .isEqualTo("schedlock.dev/scheduler-deployment=billing");
        });
    }

    @Test
    void shouldReportABadSpecAndLeaveTheRunningDeploymentAlone() {
        k8s.create(TestResources.sqlite("billing"));
        eventually(20).until(() -> k8s.deployment("billing") != null);
        String before = k8s.deployment("billing").getMetadata().getResourceVersion();

        // A patch, not a PUT of the copy just read: the operator may write the status in between.
        k8s.client.resources(SchedulerDeployment.class).inNamespace(MockCluster.NAMESPACE).withName("billing")
                .edit(sd -> {
                    LeaseSpec lease = new LeaseSpec();
                    lease.setTtl("20s");
                    sd.getSpec().setLease(lease);
                    sd.getMetadata().setGeneration(2L);
                    return sd;
                });

        eventually(10).untilAsserted(() -> {
            Condition ready = condition(k8s.get("billing"), Conditions.READY);
            assertThat(ready.getStatus()).isEqualTo("False");
            assertThat(ready.getReason()).isEqualTo("InvalidSpec");
            assertThat(ready.getMessage()).contains("spec.lease.ttl", "raise ttl to at least 30s");
        });
        assertThat(k8s.deployment("billing").getMetadata().getResourceVersion()).isEqualTo(before);
        assertThat(warnings("InvalidSpec")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("spec.lease.ttl", "raise ttl to at least 30s"));
    }

    @Test
    void shouldUpdateTheDeploymentWhenTheSpecChangesAndKeepOtherWritersAnnotations() {
        k8s.create(TestResources.sqlite("billing"));
        eventually(20).until(() -> k8s.deployment("billing") != null);
        Deployment first = k8s.deployment("billing");
        k8s.client.resource(first).edit(d -> {
            d.getMetadata().getAnnotations().put("deployment.kubernetes.io/revision", "1");
            return d;
        });

        SchedulerDeployment sd = k8s.get("billing");
        sd.getSpec().setReplicas(3);
        sd.getMetadata().setGeneration(2L);
        k8s.client.resource(sd).update();

        eventually(10).untilAsserted(() -> assertThat(k8s.deployment("billing").getSpec().getReplicas()).isEqualTo(3));
        assertThat(k8s.deployment("billing").getMetadata().getAnnotations())
                .containsEntry("deployment.kubernetes.io/revision", "1")
                .containsKey(ResourceApplier.DESIRED_HASH)
                .doesNotContainEntry(ResourceApplier.DESIRED_HASH,
                        first.getMetadata().getAnnotations().get(ResourceApplier.DESIRED_HASH));
    }

    /**
     * {@code kubectl rollout restart} writes an annotation into the pod template, other tools label
     * and annotate the Deployment: an update of the resource keeps all of it (else the restart
     * annotation's removal would roll the pods once more), and removes the template annotation the
     * resource no longer asks for.
     */
    @Test
    void shouldKeepWhatOthersWroteThroughAnUpdateAndDropWhatTheResourceNoLongerAsksFor() {
        SchedulerDeployment created = TestResources.sqlite("billing");
        created.getSpec().getTemplate().getMetadata().getAnnotations().put("example.com/team", "billing");
        k8s.create(created);
        eventually(20).until(() -> k8s.deployment("billing") != null);
        k8s.client.resource(k8s.deployment("billing")).edit(d -> {
            d.getSpec().getTemplate().getMetadata().getAnnotations()
                    .put("kubectl.kubernetes.io/restartedAt", "2026-01-01T10:00:00Z");
            d.getSpec().getTemplate().getMetadata().getLabels().put("example.com/cost-center", "42");
            d.getMetadata().getAnnotations().put("example.com/owner", "ops");
            d.getMetadata().getLabels().put("example.com/tier", "batch");
            return d;
        });

        SchedulerDeployment sd = k8s.get("billing");
        sd.getSpec().getTemplate().getMetadata().getAnnotations().remove("example.com/team");
        sd.getSpec().setReplicas(3);
        sd.getMetadata().setGeneration(2L);
        k8s.client.resource(sd).update();

        eventually(10).untilAsserted(() -> {
            Deployment d = k8s.deployment("billing");
            assertThat(d.getSpec().getReplicas()).isEqualTo(3);
            assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
                    .containsEntry("kubectl.kubernetes.io/restartedAt", "2026-01-01T10:00:00Z")
                    .doesNotContainKey("example.com/team");
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("example.com/cost-center", "42");
            assertThat(d.getMetadata().getAnnotations()).containsEntry("example.com/owner", "ops");
            assertThat(d.getMetadata().getLabels()).containsEntry("example.com/tier", "batch");
        });
    }

    @Test
    void shouldRetryAConflictingUpdateFromTheServersVersionWithoutFailingTheReconcile() {
        k8s.create(TestResources.sqlite("billing"));
        // The status too: the first reconcile writes it after the Deployment, and our update below
        // would conflict with that write.
        eventually(20).until(() -> k8s.deployment("billing") != null && k8s.get("billing").getStatus() != null);
        k8s.server.expect().put().withPath("/apis/apps/v1/namespaces/jobs/deployments/billing")
                .andReturn(409, new StatusBuilder().withStatus("Failure").withCode(409).withReason("Conflict")
                        .withMessage("the object has been modified").build())
                .once();

        SchedulerDeployment sd = k8s.get("billing");
        sd.getSpec().setReplicas(4);
        sd.getMetadata().setGeneration(2L);
        k8s.client.resource(sd).update();

        eventually(10).untilAsserted(() -> assertThat(k8s.deployment("billing").getSpec().getReplicas()).isEqualTo(4));
        assertThat(condition(k8s.get("billing"), Conditions.READY).getReason()).isNotEqualTo("ReconcileFailed");
    }

    @Test
    void shouldReportWhatTheApiServerRejectedInTheReadyCondition() {
        String refusal = "Deployment.apps \"billing\" is invalid: spec.template.spec.containers[0].image: Required value";
        k8s.server.expect().post().withPath("/apis/apps/v1/namespaces/jobs/deployments")
                .andReturn(422, new StatusBuilder().withStatus("Failure").withCode(422).withReason("Invalid")
                        .withMessage(refusal).build())
                .always();

        k8s.create(TestResources.sqlite("billing"));

        eventually(20).untilAsserted(() -> {
            Condition ready = condition(k8s.get("billing"), Conditions.READY);
            assertThat(ready.getReason()).isEqualTo("RejectedByApiServer");
            assertThat(ready.getMessage()).contains("check spec.template", "image: Required value");
        });
        // Retried every poll; the same refusal is one Event, not one per attempt.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> warnings("RejectedByApiServer").size() == 1);
        assertThat(warnings("RejectedByApiServer").get(0).getMessage()).contains("image: Required value");
    }

    @Test
    void shouldTurnRepeatedFailuresIntoReadyFalseAndAWarningEvent() {
        k8s.server.expect().post().withPath("/apis/apps/v1/namespaces/jobs/deployments")
                .andReturn(403, new StatusBuilder().withStatus("Failure").withCode(403).withReason("Forbidden")
                        .withMessage("deployments.apps is forbidden: User \"system:serviceaccount:schedlock:op\""
                                + " cannot create resource \"deployments\"").build())
                .always();

        k8s.create(TestResources.sqlite("billing"));

        eventually(30).untilAsserted(() -> {
            Condition ready = condition(k8s.get("billing"), Conditions.READY);
            assertThat(ready.getReason()).isEqualTo("ReconcileFailed");
            assertThat(warnings("ReconcileFailed")).singleElement()
                    .satisfies(e -> assertThat(e.getMessage()).contains("forbidden", "(retrying)"));
        });
    }

    @Test
    void shouldNotCreateAnythingForAResourceThatIsBadFromTheStart() {
        SchedulerDeployment bad = TestResources.sqlite("billing");
        bad.getSpec().getStore().setPostgres(new PostgresStore());
        k8s.create(bad);

        eventually(20).untilAsserted(() -> assertThat(
                condition(k8s.get("billing"), Conditions.READY).getMessage())
                .contains("set exactly one of store.sqlite"));
        assertThat(k8s.ownedObjects()).isEmpty();
    }

    @Test
    void shouldTrackTheLeaderInStatusLabelsAndEvents() {
        runTwoPodsLedByTheFirst(TestResources.postgres("billing"), 7);

        eventually(10).untilAsserted(() -> {
            SchedulerDeployment sd = k8s.get("billing");
            assertThat(sd.getStatus().getLeader().getPod()).isEqualTo("billing-0");
            assertThat(sd.getStatus().getLeader().getFencingToken()).isEqualTo(7L);
            assertThat(condition(sd, Conditions.LEADER_ELECTED).getStatus()).isEqualTo("True");
            assertThat(roles()).containsExactly("billing-0=leader", "billing-1=standby");
        });

        sidecars.standby("10.0.0.10", "billing-1", 8);
        sidecars.leader("10.0.0.11", "billing-1", 8);

        eventually(10).untilAsserted(() -> {
            assertThat(k8s.get("billing").getStatus().getLeader().getPod()).isEqualTo("billing-1");
            assertThat(roles()).containsExactly("billing-0=standby", "billing-1=leader");
            assertThat(events()).extracting(Event::getMessage).containsExactlyInAnyOrder(
                    "pod billing-0 holds the lease with fencing token 7",
                    "pod billing-1 holds the lease with fencing token 8 (was billing-0, token 7)");
        });
    }

    @Test
    void shouldWriteNothingInTheSteadyState() throws Exception {
        runTwoPodsLedByTheFirst(TestResources.sqlite("billing"), 1);
        k8s.reportDeploymentReady("billing", 2, 2);
        eventually(10).untilAsserted(() -> {
            SchedulerDeployment sd = k8s.get("billing");
            assertThat(condition(sd, Conditions.READY).getStatus()).isEqualTo("True");
            assertThat(condition(sd, Conditions.LEADER_ELECTED).getStatus()).isEqualTo("True");
            assertThat(roles()).containsExactly("billing-0=leader", "billing-1=standby");
        });
        Thread.sleep(POLL.toMillis() * 2); // let the reconciles triggered by our own writes finish
        k8s.clearRecordedRequests();
        int polledBefore = sidecars.fetches();

        Thread.sleep(POLL.toMillis() * 10);

        assertThat(sidecars.fetches() - polledBefore).as("sidecar polls: resyncs did happen")
                .isGreaterThanOrEqualTo(2 * 5);
        assertThat(k8s.recordedWrites()).as("writes to the API server in the steady state").isEmpty();
        assertThat(events()).as("one leader, one event").hasSize(1);
    }

    @Test
    void shouldNotReconcileWhileTheSidecarsKeepGivingTheSameAnswers() {
        runTwoPodsLedByTheFirst(TestResources.sqlite("billing"), 1);
        k8s.reportDeploymentReady("billing", 2, 2);
        eventually(10).untilAsserted(() -> {
            SchedulerDeployment sd = k8s.get("billing");
            assertThat(condition(sd, Conditions.READY).getStatus()).isEqualTo("True");
            assertThat(roles()).containsExactly("billing-0=leader", "billing-1=standby");
        });
        // Quiet once no reconcile began for a poll interval and a half: our own writes' echoes are done.
        long[] seen = {SchedulerDeploymentReconciler.reconcilesStarted()};
        await().atMost(Duration.ofSeconds(10)).pollInterval(POLL.multipliedBy(3).dividedBy(2)).until(() -> {
            long now = SchedulerDeploymentReconciler.reconcilesStarted();
            boolean quiet = now == seen[0];
            seen[0] = now;
            return quiet;
        });
        long reconciles = SchedulerDeploymentReconciler.reconcilesStarted();
        int polledBefore = sidecars.fetches();

        await().during(POLL.multipliedBy(10)).atMost(POLL.multipliedBy(12))
                .until(() -> SchedulerDeploymentReconciler.reconcilesStarted() == reconciles);
        assertThat(sidecars.fetches() - polledBefore).as("the sidecars were asked all along")
                .isGreaterThanOrEqualTo(2 * 5);

        sidecars.standby("10.0.0.10", "billing-1", 2);
        sidecars.leader("10.0.0.11", "billing-1", 2);
        eventually(10).untilAsserted(() -> {
            assertThat(k8s.get("billing").getStatus().getLeader().getPod()).as("a new answer: a reconcile")
                    .isEqualTo("billing-1");
            assertThat(roles()).containsExactly("billing-0=standby", "billing-1=leader");
        });
    }

    @Test
    void shouldStopEveryPodOfTheOldLockBeforeAnyStartsOnTheNewOne() {
        runTwoPodsLedByTheFirst(TestResources.sqlite("billing"), 1);
        k8s.reportDeploymentReady("billing", 2, 2);
        eventually(10).until(() -> "True".equals(condition(k8s.get("billing"), Conditions.READY).getStatus()));
        assertThat(k8s.deployment("billing").getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");

        SchedulerDeployment sd = k8s.get("billing");
        LeaseSpec lease = new LeaseSpec();
        lease.setLockName("billing-v2");
        sd.getSpec().setLease(lease);
        sd.getMetadata().setGeneration(2L);
        k8s.client.resource(sd).update();

        eventually(10).untilAsserted(() -> {
            Deployment d = k8s.deployment("billing");
            assertThat(d.getSpec().getStrategy().getType()).isEqualTo("Recreate");
            assertThat(d.getSpec().getStrategy().getRollingUpdate()).isNull();
            assertThat(d.getSpec().getReplicas()).as("no pod on the new lock while old ones run").isZero();
            assertThat(d.getSpec().getTemplate().getSpec().getInitContainers().get(0).getArgs())
                    .contains("--lock-name=billing-v2");
            Condition ready = condition(k8s.get("billing"), Conditions.READY);
            assertThat(ready.getReason()).isEqualTo("LockChanging");
            assertThat(ready.getMessage()).contains("waiting for billing-0, billing-1");
        });

        // The old pods are gone (the Deployment controller scaled their ReplicaSet to 0).
        k8s.client.pods().inNamespace(MockCluster.NAMESPACE).withName("billing-0").delete();
        k8s.client.pods().inNamespace(MockCluster.NAMESPACE).withName("billing-1").delete();
        eventually(10).untilAsserted(() -> {
            Deployment d = k8s.deployment("billing");
            assertThat(d.getSpec().getReplicas()).isEqualTo(2);
            assertThat(d.getSpec().getStrategy().getType())
                    .as("until the Deployment controller reports the new pods").isEqualTo("Recreate");
        });

        Deployment d = k8s.deployment("billing");
        d.setStatus(new DeploymentStatusBuilder().withReplicas(2).withUpdatedReplicas(2).withReadyReplicas(2)
                .withAvailableReplicas(2).withObservedGeneration(d.getMetadata().getGeneration()).build());
        k8s.client.resource(d).updateStatus();
        eventually(10).untilAsserted(() -> assertThat(k8s.deployment("billing").getSpec().getStrategy().getType())
                .isEqualTo("RollingUpdate"));
    }

    @Test
    void shouldCarryOwnerReferencesThatLetTheGarbageCollectorDeleteEverything() {
        k8s.create(TestResources.sqlite("billing"));
        k8s.create(TestResources.sqlite("reports"));
        eventually(20).until(() -> k8s.ownedObjects().size() == 8);

        k8s.client.resource(k8s.get("billing")).delete();
        eventually(10).until(() -> k8s.get("billing") == null);

        assertThat(k8s.collectGarbage()).isEqualTo(4);
        assertThat(k8s.ownedObjects()).extracting(o -> o.getMetadata().getName())
                .containsExactlyInAnyOrder("reports", "reports-status", "reports", "reports-lease");
    }

    /** Creates {@code sd}, waits for its Deployment, and plays two pods whose first one leads. */
    private void runTwoPodsLedByTheFirst(SchedulerDeployment sd, long token) {
        String name = sd.getMetadata().getName();
        k8s.create(sd);
        eventually(20).until(() -> k8s.deployment(name) != null);
        Deployment deployment = k8s.deployment(name);
        SimulatedPods.publish(k8s.client, deployment, 0, "10.0.0.10");
        SimulatedPods.publish(k8s.client, deployment, 1, "10.0.0.11");
        sidecars.leader("10.0.0.10", name + "-0", token);
        sidecars.standby("10.0.0.11", name + "-0", token);
    }

    /** Awaits, retrying on assertion failures and on the NPEs of a status not written yet. */
    private static ConditionFactory eventually(int seconds) {
        return await().atMost(Duration.ofSeconds(seconds)).ignoreExceptions();
    }

    private List<String> roles() {
        return k8s.client.pods().inNamespace(MockCluster.NAMESPACE).list().getItems().stream()
                .map((Pod p) -> p.getMetadata().getName() + "=" + p.getMetadata().getLabels().get(Labels.ROLE))
                .sorted().toList();
    }

    private List<Event> events() {
        return k8s.client.v1().events().inNamespace(MockCluster.NAMESPACE).list().getItems();
    }

    /** Warning Events with {@code reason}, as {@code kubectl describe} lists them. */
    private List<Event> warnings(String reason) {
        return events().stream().filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason())).toList();
    }

    private static Condition condition(SchedulerDeployment sd, String type) {
        assertThat(sd.getStatus()).as("status of %s", sd.getMetadata().getName()).isNotNull();
        Condition c = Conditions.find(sd.getStatus().getConditions(), type);
        assertThat(c).as("condition %s", type).isNotNull();
        return c;
    }
}
