package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeaderObservationTest {

    private static final LeaderPoll.Result NOBODY = new LeaderPoll.Result(Optional.empty(), 0);

    @Test
    void shouldAskOnlyPodsWithAnIpInAStableOrder() {
        assertThat(LeaderObservation.askable(List.of(pod("b-1", "10.0.0.2"), pod("b-0", "10.0.0.1"), pod("b-2", null))))
                .containsExactly("b-0=10.0.0.1", "b-1=10.0.0.2");
    }

    @Test
    void shouldBeStaleOnceAPodComesGoesOrMoves() {
        LeaderObservation seen = new LeaderObservation(
                LeaderObservation.askable(List.of(pod("b-0", "10.0.0.1"), pod("b-1", "10.0.0.2"))), NOBODY);

        assertThat(seen.madeOn(List.of(pod("b-1", "10.0.0.2"), pod("b-0", "10.0.0.1")))).as("same pods").isTrue();
        assertThat(seen.madeOn(List.of(pod("b-0", "10.0.0.1"), pod("b-1", "10.0.0.2"), pod("b-2", "10.0.0.3"))))
                .as("a pod came").isFalse();
        assertThat(seen.madeOn(List.of(pod("b-0", "10.0.0.1")))).as("a pod went").isFalse();
        assertThat(seen.madeOn(List.of(pod("b-0", "10.0.0.1"), pod("b-1", "10.0.0.9")))).as("a pod moved").isFalse();
    }

    @Test
    void shouldEqualAnObservationOfTheSameAnswersSoThatNoReconcileFollows() {
        LeaseReport report = new LeaseReport("jobs.b", "LEADER", true, 3, new LeaseReport.Holder("b-0/u/n", "b-0", "b-0"), 3);
        LeaderPoll.Result led = new LeaderPoll.Result(Optional.of(new LeaderPoll.PodReport("b-0", report)), 2);

        assertThat(new LeaderObservation(List.of("b-0=10.0.0.1"), led))
                .isEqualTo(new LeaderObservation(List.of("b-0=10.0.0.1"), new LeaderPoll.Result(
                        Optional.of(new LeaderPoll.PodReport("b-0", new LeaseReport("jobs.b", "LEADER", true, 3,
                                new LeaseReport.Holder("b-0/u/n", "b-0", "b-0"), 3))), 2)))
                .isNotEqualTo(new LeaderObservation(List.of("b-0=10.0.0.1"), NOBODY));
    }

    private static Pod pod(String name, String ip) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().withPodIP(ip).endStatus().build();
    }
}
