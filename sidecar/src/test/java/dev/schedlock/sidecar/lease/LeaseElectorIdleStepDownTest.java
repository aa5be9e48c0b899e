package dev.schedlock.sidecar.lease;

import static dev.schedlock.sidecar.lease.ElectorFixture.HEARTBEAT;
import static dev.schedlock.sidecar.lease.ElectorFixture.OTHER;
import static dev.schedlock.sidecar.lease.ElectorFixture.SELF;
import static dev.schedlock.sidecar.lease.ElectorFixture.T0;
import static dev.schedlock.sidecar.lease.ElectorFixture.config;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.acquired;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.heldBy;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.rowHeldBy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.TakeoverRule.Expired;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The idle step-down: a leader that hands its app no permit and no claim for {@code idle-step-down}
 * begins a step-down; what the app asks for restarts the wait, what the sidecar does by itself (the
 * signal file, notifications) does not. Default timing with an idle step-down of 5 minutes; the
 * leader renews every heartbeat on the way, so that it still leads when the wait runs out.
 */
class LeaseElectorIdleStepDownTest {

    private static final Duration IDLE = Duration.ofMinutes(5);
    private static final LeaseConfig POD = config().permitMode(PermitMode.POD).idleStepDown(IDLE).build();
    private static final LeaseConfig CLAIMS = config().permitMode(PermitMode.CLAIMS).idleStepDown(IDLE).build();
    private static final LeaseConfig OFF = config().permitMode(PermitMode.POD).build();

    private final ElectorFixture f = new ElectorFixture();
    private long nextRenewalAt = T0 + HEARTBEAT;

    @AfterEach
    void storeWasUsedAsScripted() {
        f.verifyStore();
    }

    /** Something that happens at {@code at} after the acquisition (at T0). */
    record Event(Duration at, String what, Consumer<LeaseElector> action) {
    }

    record IdleCase(String name, LeaseConfig config, List<Event> events, Duration dueAt) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Event at(long minutes, String what, Consumer<LeaseElector> action) {
        return new Event(Duration.ofMinutes(minutes), what, action);
    }

    private static Event podPermit(long minutes) {
        return at(minutes, "GET /v1/lease", e -> assertThat(e.query(true).permit().granted()).isTrue());
    }

    private static Event claim(long minutes, String client, boolean granted) {
        return at(minutes, "claim by " + client, e -> assertThat(e.claim(client).granted()).isEqualTo(granted));
    }

    static Stream<IdleCase> cases() {
        return Stream.of(
                new IdleCase("pod mode, nobody asks: idle-step-down after the acquisition", POD, List.of(),
                        IDLE),
                new IdleCase("pod mode, a permit at 2m: 5m after it", POD, List.of(podPermit(2)),
                        Duration.ofMinutes(7)),
                new IdleCase("pod mode, permits at 2m and 4m: 5m after the last", POD,
                        List.of(podPermit(2), podPermit(4)), Duration.ofMinutes(9)),
                new IdleCase("pod mode, the signal file's permit does not count", POD,
                        List.of(at(2, "signal file", e -> assertThat(e.queryForSignalFile().permit().granted())
                                .isTrue())), IDLE),
                new IdleCase("pod mode, a notification (long-poll, events) does not count", POD,
                        List.of(at(2, "long-poll answer", e -> assertThat(e.query(false).permit().granted())
                                .isFalse())), IDLE),
                new IdleCase("claims mode, a claim at 2m: 5m after it", CLAIMS, List.of(claim(2, "worker-a", true)),
                        Duration.ofMinutes(7)),
                new IdleCase("claims mode, a claim renewed at 3m: 5m after the renewal", CLAIMS,
                        List.of(claim(2, "worker-a", true), claim(3, "worker-a", true)), Duration.ofMinutes(8)),
                new IdleCase("claims mode, GET /v1/lease carries no permit and does not count", CLAIMS,
                        List.of(at(2, "GET /v1/lease", e -> assertThat(e.query(true).permit().granted()).isFalse())),
                        IDLE),
                new IdleCase("claims mode, a refused claim does not count", CLAIMS,
                        List.of(claim(1, "worker-a", true),
                                new Event(Duration.ofSeconds(65), "claim by worker-b while worker-a holds it",
                                        e -> assertThat(e.claim("worker-b").granted()).isFalse())),
                        Duration.ofMinutes(6)),
                new IdleCase("off: never, however long nobody asks", OFF, List.of(), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldStepDownOnlyAfterTheAppAskedForNothingForTheIdleTime(IdleCase c) {
        LeaseElector elector = f.leading(c.config(), 7);
        for (Event event : c.events()) {
            leadUntil(elector, T0 + event.at().toNanos());
            event.action().accept(elector);
        }
        long end = T0 + (c.dueAt() == null ? Duration.ofMinutes(30) : c.dueAt()).toNanos();
        leadUntil(elector, end - 1);

        if (c.dueAt() == null) {
            assertThat(elector.nanosUntilIdleStepDown()).isEqualTo(Long.MAX_VALUE);
            assertThat(elector.beginIdleStepDown()).isFalse();
            assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
            return;
        }
        assertThat(elector.nanosUntilIdleStepDown()).as("1 ns before it is due").isEqualTo(1);
        assertThat(elector.beginIdleStepDown()).isFalse();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);

        f.clock.advanceNanos(1);
        assertThat(elector.nanosUntilIdleStepDown()).isZero();
        assertThat(elector.beginIdleStepDown()).isTrue();

        LeaseSnapshot s = elector.snapshot();
        assertThat(s.state()).isEqualTo(LeaseState.RELEASING);
        assertThat(s.reason()).contains("idle", "300s");
        assertThat(f.lastChange()).as("watchers are told").isEqualTo(s);
        assertThat(elector.podPermit().granted()).as("no permit while stepping down").isFalse();
        assertThat(elector.nanosUntilIdleStepDown()).as("not leading any more").isEqualTo(Long.MAX_VALUE);
        assertThat(elector.beginIdleStepDown()).as("begun once").isFalse();
    }

    @Test
    void shouldNotCountAStandbyAsIdle() {
        LeaseElector elector = f.elector(POD);
        f.store.expectAcquire(Expired.class).thenReturn(heldBy(rowHeldBy(OTHER, 5, 1_000, 60_000)));
        elector.step();
        f.clock.advance(IDLE.multipliedBy(2));

        assertThat(elector.nanosUntilIdleStepDown()).isEqualTo(Long.MAX_VALUE);
        assertThat(elector.beginIdleStepDown()).isFalse();
    }

    @Test
    void shouldGiveTheAppTheWholeIdleTimeAgainAfterANewAcquisition() {
        LeaseElector elector = f.leading(POD, 7);
        leadUntil(elector, T0 + IDLE.toNanos());
        assertThat(elector.beginIdleStepDown()).isTrue();
        f.store.expectRelease(7).thenReturn(true);
        assertThat(elector.releaseInStore()).isTrue();
        elector.resumeAfterStepDown();

        // Nobody else took it: after the hold-off this pod acquires again, with a new token.
        f.clock.advance(Duration.ofSeconds(10));
        f.store.expectAcquire(Expired.class).thenReturn(acquired(SELF, 8));
        elector.step();

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().fencingToken()).isEqualTo(8);
        assertThat(elector.nanosUntilIdleStepDown()).isEqualTo(IDLE.toNanos());
    }

    /** Moves the clock to {@code t}, renewing (successfully) at every heartbeat on the way. */
    private void leadUntil(LeaseElector elector, long t) {
        while (nextRenewalAt - t <= 0) {
            f.clock.set(nextRenewalAt);
            f.store.expectRenew(7).thenReturn(true);
            elector.step();
            nextRenewalAt += HEARTBEAT;
        }
        f.clock.set(t);
    }
}
