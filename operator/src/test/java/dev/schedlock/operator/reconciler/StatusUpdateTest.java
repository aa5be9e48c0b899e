package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.api.v1alpha1.Condition;
import dev.schedlock.operator.api.v1alpha1.LeaderStatus;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeploymentStatus;
import dev.schedlock.operator.model.RolloutPlan;
import dev.schedlock.operator.model.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusUpdateTest {

    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    private static final Instant T1 = T0.plusSeconds(30);
    private static final RolloutPlan STEADY = RolloutPlan.rollingUpdate();

    @Test
    void shouldKeepTheTransitionTimeWhileTheStatusStaysTheSame() {
        SchedulerDeploymentStatus first = StatusUpdate.observed(null, null, 1, 2, ready(2), led("a", 1), STEADY, T0);
        SchedulerDeploymentStatus second = StatusUpdate.observed(first, first.getLeader(), 1, 2, ready(2),
                led("a", 1), STEADY, T1);

        assertThat(Conditions.find(second.getConditions(), Conditions.READY).getLastTransitionTime())
                .isEqualTo("2026-01-01T10:00:00Z");
        assertThat(second.getLeader().getSince()).isEqualTo("2026-01-01T10:00:00Z");
        assertThat(StatusUpdate.differs(first, second)).isFalse();
    }

    @Test
    void shouldMoveTheTransitionTimeAndSinceWhenSomethingChanges() {
        SchedulerDeploymentStatus first = StatusUpdate.observed(null, null, 1, 2, ready(2), led("a", 1), STEADY, T0);
        SchedulerDeploymentStatus second = StatusUpdate.observed(first, first.getLeader(), 1, 2, ready(1),
                led("b", 2), STEADY, T1);

        Condition readyCondition = Conditions.find(second.getConditions(), Conditions.READY);
        assertThat(readyCondition.getStatus()).isEqualTo("False");
        assertThat(readyCondition.getMessage()).isEqualTo("1 of 2 pods ready");
        assertThat(readyCondition.getLastTransitionTime()).isEqualTo("2026-01-01T10:00:30Z");
        assertThat(second.getLeader().getSince()).isEqualTo("2026-01-01T10:00:30Z");
        assertThat(StatusUpdate.differs(first, second)).isTrue();
    }

    @Test
    void shouldNotCountATransitionTimeAloneAsAChange() {
        SchedulerDeploymentStatus a = StatusUpdate.invalid(null, 3, List.of(new Problem("spec.store", "x")), T0);
        SchedulerDeploymentStatus b = StatusUpdate.invalid(null, 3, List.of(new Problem("spec.store", "x")), T1);

        assertThat(StatusUpdate.differs(a, b)).isFalse();
        assertThat(StatusUpdate.differs(a, StatusUpdate.invalid(null, 4, List.of(new Problem("spec.store", "x")), T1)))
                .as("a new generation is a change").isTrue();
    }

    @Test
    void shouldKeepTheLastLeaderWhenTheSpecTurnsInvalid() {
        SchedulerDeploymentStatus valid = StatusUpdate.observed(null, null, 1, 2, ready(2), led("a", 5), STEADY, T0);

        SchedulerDeploymentStatus invalid = StatusUpdate.invalid(valid, 2, List.of(new Problem("spec.store", "x")), T1);

        assertThat(invalid.getLeader().getPod()).isEqualTo("a");
        assertThat(Conditions.find(invalid.getConditions(), Conditions.READY).getMessage())
                .isEqualTo("spec.store: x. Running pods were left as they are.");
        assertThat(invalid.getObservedGeneration()).isEqualTo(2L);
    }

    @Test
    void shouldSayWhichOldPodsALockChangeWaitsFor() {
        RolloutPlan changing = new RolloutPlan(true, true, List.of("p1", "p2", "p3", "p4", "p5", "p6", "p7"));

        SchedulerDeploymentStatus status = StatusUpdate.observed(null, null, 2, 2, ready(2), led("a", 1), changing, T0);

        Condition ready = Conditions.find(status.getConditions(), Conditions.READY);
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getReason()).isEqualTo("LockChanging");
        assertThat(ready.getMessage()).contains("waiting for p1, p2, p3, p4, p5 and 2 more", "docs/operations.md");
    }

    @Test
    void shouldTreatANewTokenOfTheSamePodAsANewLeader() {
        assertThat(StatusUpdate.sameLeader(new LeaderStatus("a", "h1", 1L, "t"), new LeaderStatus("a", "h1", 2L, "t")))
                .isFalse();
        assertThat(StatusUpdate.sameLeader(new LeaderStatus("a", "h1", 1L, "t"), new LeaderStatus("a", "h1", 1L, "u")))
                .isTrue();
    }

    private static Optional<Deployment> ready(int pods) {
        return Optional.of(new DeploymentBuilder().withNewStatus().withReplicas(2).withReadyReplicas(pods)
                .endStatus().build());
    }

    private static LeaderPoll.Result led(String pod, long token) {
        LeaseReport report = new LeaseReport("l", "LEADER", true, token, new LeaseReport.Holder("h-" + pod, pod, pod), 1);
        return new LeaderPoll.Result(Optional.of(new LeaderPoll.PodReport(pod, report)), 2);
    }
}
