package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LeaderPollTest {

    @Test
    void shouldPickTheHigherTokenWhenAnOldAndANewLeaderBothSayLeader() {
        FakeLeaseStatus sidecars = new FakeLeaseStatus();
        sidecars.leader("10.0.0.1", "a", 4);
        sidecars.leader("10.0.0.2", "b", 5);
        sidecars.standby("10.0.0.3", "b", 5);

        LeaderPoll.Result result = new LeaderPoll(sidecars, Duration.ofSeconds(1))
                .poll(List.of(pod("a", "10.0.0.1"), pod("b", "10.0.0.2"), pod("c", "10.0.0.3")), 8471);

        assertThat(result.leader()).hasValueSatisfying(l -> assertThat(l.pod()).isEqualTo("b"));
        assertThat(result.reporting()).isEqualTo(3);
    }

    @Test
    void shouldSkipPodsWithoutAnIpAndCountOnlyAnswers() {
        FakeLeaseStatus sidecars = new FakeLeaseStatus();
        sidecars.standby("10.0.0.1", "x", 1);

        LeaderPoll.Result result = new LeaderPoll(sidecars, Duration.ofSeconds(1))
                .poll(List.of(pod("a", "10.0.0.1"), pod("pending", null), pod("silent", "10.0.0.9")), 8471);

        assertThat(result.leader()).isEmpty();
        assertThat(result.reporting()).isEqualTo(1);
        assertThat(sidecars.fetches()).as("no request for a pod without an IP").isEqualTo(2);
    }

    @Test
    void shouldTreatAHungSidecarAsNoAnswer() {
        LeaseStatusClient hung = (ip, port) -> new CompletableFuture<Optional<LeaseReport>>();

        LeaderPoll.Result result = new LeaderPoll(hung, Duration.ofMillis(50)).poll(List.of(pod("a", "10.0.0.1")), 8471);

        assertThat(result.leader()).isEmpty();
        assertThat(result.reporting()).isZero();
    }

    private static Pod pod(String name, String ip) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewStatus().withPodIP(ip).endStatus().build();
    }
}
