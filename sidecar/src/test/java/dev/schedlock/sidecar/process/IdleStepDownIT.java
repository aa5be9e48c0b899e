package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A leader whose app is gone: pod A leads, but nobody asks it for a permit; pod B's app polls B.
 * With {@code --idle-step-down}, A steps down after the idle time and B leads; without it, A keeps
 * the lease and no job runs anywhere.
 */
class IdleStepDownIT extends WithSidecars {

    private static final Duration IDLE = Duration.ofSeconds(4);
    private static final String[] IDLE_FLAG = {"--idle-step-down", IDLE.toSeconds() + "s"};

    @Test
    void shouldHandTheLeaseToThePodWhoseAppAsksWhenTheLeadersAppAsksForNothing() throws Exception {
        SidecarProcess a = sidecars.start("pod-a", IDLE_FLAG);
        awaitHolder("pod-a"); // read in the store: asking A would be app activity
        SidecarProcess b = sidecars.start("pod-b", IDLE_FLAG);

        // B's app polls B only, as an app beside a standby does.
        await("pod-b's app gets a permit").atMost(Sidecars.PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(() -> Sidecars.holdsPermit(b));

        List<StoreFile.Transition> history = sidecars.store().history();
        StoreFile.Transition firstRelease = history.stream().filter(t -> t.kind().equals("released")).findFirst()
                .orElseThrow(() -> new AssertionError("pod-a never released: " + history));
        StoreFile.Transition firstAcquire = history.get(0);
        assertThat(firstAcquire.holderPod()).isEqualTo("pod-a");
        assertThat(firstRelease.holderPod()).isEqualTo("pod-a");
        assertThat(firstRelease.atMs() - firstAcquire.atMs()).as("pod-a led for the idle time before it stepped down")
                .isGreaterThanOrEqualTo(IDLE.toMillis());
        assertThat(a.stderrLines()).anyMatch(l -> l.contains("LEADER -> RELEASING: idle: no permit or claim handed"
                + " out for 4s"));

        // B's app keeps asking: B leads on, well past the idle time.
        await("pod-b keeps the lease while its app asks").during(IDLE.plusSeconds(2)).atMost(IDLE.plusSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> Sidecars.holdsPermit(b));
        assertThat(sidecars.store().row().holderPod()).isEqualTo("pod-b");
        assertThat(sidecars.warnings()).as("warnings").isEmpty();
    }

    @Test
    void shouldKeepTheLeaseWithAnAppThatAsksForNothingWhenTheIdleStepDownIsOff() throws Exception {
        sidecars.start("pod-a");
        awaitHolder("pod-a");
        SidecarProcess b = sidecars.start("pod-b");

        // B's app polls in vain: without the safety net A keeps the lease (the gap this flag closes).
        await("pod-a keeps the lease").during(IDLE.plusSeconds(2)).atMost(IDLE.plusSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> !Sidecars.holdsPermit(b) && "pod-a".equals(holderPod().orElse(null)));
        assertThat(sidecars.store().history()).extracting(StoreFile.Transition::kind).containsExactly("acquired");
    }

    private void awaitHolder(String pod) {
        await(pod + " holds the lease").atMost(Sidecars.PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> pod.equals(holderPod().orElse(null)));
    }

    private Optional<String> holderPod() {
        return sidecars.store().row("default").map(StoreFile.Row::holderPod);
    }
}
