package dev.schedlock.sidecar.lease;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotPublisherTest {

    private static LeaseSnapshot snapshot(LeaseState state, long token, long validUntilNanos, String reason) {
        return new LeaseSnapshot("default", state, token, "store-1", validUntilNanos, "pod-a/uid/1", "pod-a", "host-a",
                0, 0, 0, reason);
    }

    private final SnapshotPublisher publisher =
            new SnapshotPublisher(snapshot(LeaseState.STANDBY, 0, 0, "starting"));
    private final List<LeaseSnapshot> changes = new ArrayList<>();
    private final List<LeaseSnapshot> renewals = new ArrayList<>();

    @Test
    void shouldNumberOnlyChangesThatWatchersActOn() {
        publisher.onChange(changes::add);

        publisher.publish(snapshot(LeaseState.LEADER, 7, 100, "acquired with token 7"));
        publisher.publish(snapshot(LeaseState.LEADER, 7, 100, "renewal failing: timeout"));

        assertThat(publisher.current().version()).isEqualTo(2);
        assertThat(publisher.current().reason()).as("a new reason replaces the snapshot quietly")
                .isEqualTo("renewal failing: timeout");
        assertThat(changes).extracting(LeaseSnapshot::version).containsExactly(2L);
    }

    @Test
    void shouldKeepTheVersionOnARenewalAndTellOnlyRenewalListeners() {
        publisher.publish(snapshot(LeaseState.LEADER, 7, 100, "acquired with token 7"));
        publisher.onChange(changes::add);
        publisher.onRenewal(renewals::add);

        publisher.renewed(snapshot(LeaseState.LEADER, 7, 200, "renewed"));

        assertThat(changes).isEmpty();
        assertThat(renewals).singleElement().satisfies(s -> {
            assertThat(s.version()).isEqualTo(2);
            assertThat(s.validUntilNanos()).isEqualTo(200);
        });
        assertThat(publisher.current()).isSameAs(renewals.get(0));
    }

    @Test
    void shouldTellTheOtherChangeListenersWhenOneThrows() {
        publisher.onChange(s -> {
            throw new IllegalStateException("a listener's own bug");
        });
        publisher.onChange(changes::add);

        publisher.publish(snapshot(LeaseState.LEADER, 7, 100, "acquired with token 7"));

        assertThat(changes).singleElement().satisfies(s -> assertThat(s.fencingToken()).isEqualTo(7));
        assertThat(publisher.current().state()).isEqualTo(LeaseState.LEADER);
    }
}
