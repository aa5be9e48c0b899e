package dev.schedlock.sidecar.lease;

import static dev.schedlock.sidecar.lease.ElectorFixture.HEARTBEAT;
import static dev.schedlock.sidecar.lease.ElectorFixture.LOCAL_VALIDITY;
import static dev.schedlock.sidecar.lease.ElectorFixture.OTHER;
import static dev.schedlock.sidecar.lease.ElectorFixture.RETRY;
import static dev.schedlock.sidecar.lease.ElectorFixture.SELF;
import static dev.schedlock.sidecar.lease.ElectorFixture.T0;
import static dev.schedlock.sidecar.lease.ElectorFixture.config;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.acquired;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.heldBy;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.rowHeldBy;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.tookOver;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.unavailable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.lease.LeaseMetrics.AcquireOutcome;
import dev.schedlock.sidecar.lease.ScriptedLeaseStore.BlockedCall;
import dev.schedlock.sidecar.lease.ScriptedLeaseStore.Reply;
import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.TakeoverRule;
import dev.schedlock.sidecar.store.TakeoverRule.Expired;
import dev.schedlock.sidecar.store.TakeoverRule.ExpiredAndUnchanged;
import dev.schedlock.sidecar.store.TakeoverRule.FreeOnly;
import dev.schedlock.sidecar.store.TransitionKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The elector's state machine, driven step by step against a scripted store on a fake clock:
 * acquire, renew, the local deadline, hung and late renewals, takeover rules, retry timing.
 * Permits, claims and release are in {@link LeaseElectorPermitTest}.
 */
class LeaseElectorTest {

    private final ElectorFixture f = new ElectorFixture();

    @AfterEach
    void storeWasUsedAsScripted() {
        f.verifyStore();
    }

    // =================================================================== one acquire

    record AcquireCase(String name, Consumer<Reply<AcquireResult>> answer, LeaseState state, long token,
                       String holderId, String holderPod, long nextStepIn, AcquireOutcome outcome) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<AcquireCase> acquireCases() {
        LockRow othersRow = rowHeldBy(OTHER, 5, 1_000, 60_000);
        return Stream.of(
                new AcquireCase("free row: leader with the store's token",
                        r -> r.thenReturn(acquired(SELF, 7)), LeaseState.LEADER, 7, SELF.id(), SELF.pod(),
                        HEARTBEAT, AcquireOutcome.ACQUIRED),
                new AcquireCase("expired row taken over: leader",
                        r -> r.thenReturn(tookOver(SELF, 7)), LeaseState.LEADER, 7, SELF.id(), SELF.pod(),
                        HEARTBEAT, AcquireOutcome.ACQUIRED),
                new AcquireCase("held by another: standby, reporting the holder",
                        r -> r.thenReturn(heldBy(othersRow)), LeaseState.STANDBY, 5, OTHER.id(), OTHER.pod(),
                        RETRY, AcquireOutcome.HELD_BY_OTHER),
                new AcquireCase("store error: degraded",
                        r -> r.thenThrow(unavailable()), LeaseState.DEGRADED, 0, null, null,
                        RETRY, AcquireOutcome.ERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acquireCases")
    void shouldEnterTheStateTheAcquireAnswerCallsFor(AcquireCase c) {
        LeaseElector elector = f.elector(config().build());
        c.answer().accept(f.store.expectAcquire(Expired.class));

        long nextStepIn = elector.step();

        LeaseSnapshot s = elector.snapshot();
        assertThat(s.state()).isEqualTo(c.state());
        assertThat(s.fencingToken()).isEqualTo(c.token());
        assertThat(s.holderId()).isEqualTo(c.holderId());
        assertThat(s.holderPod()).isEqualTo(c.holderPod());
        assertThat(s.isLeader(f.clock.nanoTime())).isEqualTo(c.state() == LeaseState.LEADER);
        assertThat(nextStepIn).isEqualTo(c.nextStepIn());
        assertThat(f.metrics.acquireAttempts).containsExactly(c.outcome());
        assertThat(f.lastChange()).isEqualTo(s);
    }

    @Test
    void shouldMeasureTheDeadlineFromTheAcquireSendTimeNotItsAnswer() {
        LeaseElector elector = f.elector(config().build());
        f.store.expectAcquire(Expired.class).taking(Duration.ofSeconds(3)).thenReturn(acquired(SELF, 7));

        long nextStepIn = elector.step();

        long deadline = T0 + LOCAL_VALIDITY; // sentAt + ttl - safetyMargin; the answer came at T0 + 3 s
        assertThat(elector.snapshot().validUntilNanos()).isEqualTo(deadline);
        assertThat(elector.snapshot().lastRenewalNanos()).isEqualTo(T0 + Duration.ofSeconds(3).toNanos());
        assertThat(nextStepIn).as("next renewal a heartbeat after the send").isEqualTo(HEARTBEAT - 3_000_000_000L);
        assertLeaderUntilExactly(elector, deadline);
    }

    @Test
    void shouldNotUseAnAcquisitionAnsweredAfterTheWholeLocalValidity() {
        LeaseElector elector = f.elector(config().build());
        f.store.expectAcquire(Expired.class).taking(Duration.ofNanos(LOCAL_VALIDITY)).thenReturn(acquired(SELF, 7));

        assertThat(elector.step()).isZero();

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.STANDBY);
        assertThat(elector.podPermit().granted()).isFalse();
        assertThat(elector.heldToken()).as("the row is ours in the store; take it back").isEqualTo(7);
        f.store.expectAcquire(Expired.class).thenReturn(acquired(SELF, 8));
        elector.step();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().fencingToken()).isEqualTo(8);
    }

    // =================================================================== sequences

    /** One runner round: script the store, step, check; then wait as long as step() asked. */
    record Round(String what, Consumer<ScriptedLeaseStore> script, LeaseState after, long token) {
    }

    record Sequence(String name, List<Round> rounds) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Round acquire(AcquireResult answer, LeaseState after, long token) {
        return new Round("acquire answering " + answer, s -> s.expectAcquire(Expired.class).thenReturn(answer),
                after, token);
    }

    private static Round acquireFails(LeaseState after, long token) {
        return new Round("acquire failing", s -> s.expectAcquire(Expired.class).thenThrow(unavailable()), after, token);
    }

    private static Round renew(long token, Duration latency, boolean answer, LeaseState after, long tokenAfter) {
        return new Round("renew(" + token + ") answering " + answer + " after " + latency,
                s -> s.expectRenew(token).taking(latency).thenReturn(answer), after, tokenAfter);
    }

    private static Round renewFails(long token) {
        return new Round("renew(" + token + ") failing", s -> s.expectRenew(token).thenThrow(unavailable()),
                LeaseState.LEADER, token);
    }

    static Stream<Sequence> sequences() {
        LockRow others = rowHeldBy(OTHER, 5, 1_000, 60_000);
        return Stream.of(
                new Sequence("standby, store error, recovery: leader", List.of(
                        acquire(heldBy(others), LeaseState.STANDBY, 5),
                        acquireFails(LeaseState.DEGRADED, 5),
                        acquireFails(LeaseState.DEGRADED, 5),
                        acquire(acquired(SELF, 6), LeaseState.LEADER, 6))),
                new Sequence("leader keeps the lease by renewing", List.of(
                        acquire(acquired(SELF, 1), LeaseState.LEADER, 1),
                        renew(1, Duration.ZERO, true, LeaseState.LEADER, 1),
                        renew(1, Duration.ofSeconds(4), true, LeaseState.LEADER, 1),
                        renew(1, Duration.ZERO, true, LeaseState.LEADER, 1))),
                new Sequence("renewal errors do not end the lease before the deadline", List.of(
                        acquire(acquired(SELF, 1), LeaseState.LEADER, 1),
                        renewFails(1),
                        renewFails(1),
                        renew(1, Duration.ZERO, true, LeaseState.LEADER, 1))),
                new Sequence("renewal refused: standby, the next step acquires and sees the new holder", List.of(
                        acquire(acquired(SELF, 1), LeaseState.LEADER, 1),
                        renew(1, Duration.ZERO, false, LeaseState.STANDBY, 1),
                        acquire(heldBy(rowHeldBy(OTHER, 2, 9_000, 60_000)), LeaseState.STANDBY, 2))),
                new Sequence("renewal refused, row free again: leader with a new token", List.of(
                        acquire(acquired(SELF, 1), LeaseState.LEADER, 1),
                        renew(1, Duration.ZERO, false, LeaseState.STANDBY, 1),
                        acquire(acquired(SELF, 2), LeaseState.LEADER, 2))),
                new Sequence("renewal answered after the deadline: degraded, own row taken back with a new token",
                        List.of(
                                acquire(acquired(SELF, 1), LeaseState.LEADER, 1),
                                renew(1, Duration.ofSeconds(45), true, LeaseState.DEGRADED, 1),
                                acquire(acquired(SELF, 2), LeaseState.LEADER, 2),
                                renew(2, Duration.ZERO, true, LeaseState.LEADER, 2))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sequences")
    void shouldFollowTheStoreThroughASequenceOfRounds(Sequence sequence) {
        LeaseElector elector = f.elector(config().build());
        for (Round round : sequence.rounds()) {
            round.script().accept(f.store);
            long delay = elector.step();
            assertThat(elector.snapshot().state()).as("state after " + round.what()).isEqualTo(round.after());
            assertThat(elector.snapshot().fencingToken()).as("token after " + round.what()).isEqualTo(round.token());
            assertThat(delay).as("delay after " + round.what()).isNotNegative();
            f.clock.advanceNanos(delay);
        }
    }

    // =================================================================== renewals

    @Test
    void shouldExtendTheDeadlineFromTheRenewalSendTimeNotItsAnswer() {
        LeaseElector elector = f.leading(7);
        List<LeaseSnapshot> renewals = new ArrayList<>();
        elector.onRenewal(renewals::add);
        long version = elector.snapshot().version();
        f.clock.advanceNanos(HEARTBEAT);
        long sentAt = f.clock.nanoTime();
        f.store.expectRenew(7).taking(Duration.ofSeconds(4)).thenReturn(true);

        long nextStepIn = elector.step();

        long deadline = sentAt + LOCAL_VALIDITY;
        assertThat(elector.snapshot().validUntilNanos()).isEqualTo(deadline);
        assertThat(nextStepIn).isEqualTo(HEARTBEAT - 4_000_000_000L);
        assertThat(renewals).singleElement().satisfies(s -> assertThat(s.validUntilNanos()).isEqualTo(deadline));
        assertThat(elector.snapshot().version()).as("a renewal is not a change").isEqualTo(version);
        assertThat(f.metrics.heartbeats).containsExactly(true);
        assertThat(f.metrics.heartbeatLatencies).containsExactly(4_000_000_000L);
        assertLeaderUntilExactly(elector, deadline);
    }

    @Test
    void shouldKeepTheRenewalAndTellTheOtherListenersWhenARenewalListenerThrows() {
        LeaseElector elector = f.leading(7);
        List<Boolean> underTheElectorsLock = new ArrayList<>();
        elector.onRenewal(s -> {
            throw new IllegalStateException("a listener's own bug");
        });
        elector.onRenewal(s -> underTheElectorsLock.add(Thread.holdsLock(elector)));
        f.clock.advanceNanos(HEARTBEAT);
        long sentAt = f.clock.nanoTime();
        f.store.expectRenew(7).thenReturn(true);

        long nextStepIn = elector.step();

        assertThat(nextStepIn).isEqualTo(HEARTBEAT);
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().validUntilNanos()).isEqualTo(sentAt + LOCAL_VALIDITY);
        assertThat(underTheElectorsLock).as("renewal listeners run like change listeners: under the lock, in order")
                .containsExactly(true);
    }

    @Test
    void shouldReportTheLossWhenTheStoreRefusesTheRenewal() {
        LeaseElector elector = f.leading(7);
        f.clock.advanceNanos(HEARTBEAT);
        f.store.expectRenew(7).thenReturn(false);

        assertThat(elector.step()).as("look at the row at once").isZero();

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.STANDBY);
        assertThat(elector.heldToken()).isZero();
        assertThat(elector.podPermit().granted()).isFalse();
        assertThat(f.metrics.transitions).containsExactly(TransitionKind.ACQUIRED, TransitionKind.LOST);
        assertThat(f.lastChange().state()).isEqualTo(LeaseState.STANDBY);
        f.store.expectAcquire(Expired.class).thenReturn(heldBy(rowHeldBy(OTHER, 8, 2_000, 60_000)));
        elector.step();
        assertThat(elector.snapshot().holderId()).isEqualTo(OTHER.id());
    }

    /**
     * A replaced store (SQLite file deleted or renamed over, tables recreated) may already grant
     * the lease to another process: revoke now, not at the deadline 44 s away, and look again at once.
     */
    @Test
    void shouldRevokeAtOnceWhenTheRenewalFindsTheStoreReplaced() {
        LeaseElector elector = f.leading(7);
        f.clock.advanceNanos(HEARTBEAT);
        f.store.expectRenew(7).thenThrow(new StoreException(StoreException.Kind.STORE_REPLACED,
                "sqlite:/data/lease.db: /data/lease.db was deleted while this process had it open"));

        assertThat(elector.step()).as("look at the store at the address at once").isZero();

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.DEGRADED);
        assertThat(elector.snapshot().reason()).startsWith("store replaced under the lease: ").contains("was deleted");
        assertThat(elector.podPermit().granted()).isFalse();
        assertThat(elector.claim("worker-1").granted()).isFalse();
        assertThat(elector.heldToken()).as("nothing to release in the new store").isZero();
        assertThat(f.metrics.transitions).containsExactly(TransitionKind.ACQUIRED, TransitionKind.LOST);
        assertThat(f.lastChange().state()).isEqualTo(LeaseState.DEGRADED);
    }

    /**
     * A standby that finds the store replaced waits one TTL of the holder it last saw before it
     * acquires in the store now at the address: that holder's last permits may run until then, and
     * the new store (or an old copy) does not know of them.
     */
    @Test
    void shouldWaitTheLastHoldersTtlBeforeAcquiringInAReplacedStore() {
        LeaseElector elector = f.elector(config().build());
        long othersTtlMs = 90_000; // longer than this candidate's own ttl: the holder's counts
        f.store.expectAcquire(Expired.class).thenReturn(heldBy(rowHeldBy(OTHER, 5, 1_000, othersTtlMs)));
        elector.step();
        f.clock.advanceNanos(RETRY);
        f.store.expectAcquire(Expired.class).thenThrow(new StoreException(StoreException.Kind.STORE_REPLACED,
                "sqlite:/data/lease.db: /data/lease.db is not the file this process had open"));
        long replacedAt = f.clock.nanoTime();
        elector.step();

        assertThat(elector.step()).as("no store call until the old holder's ttl has passed")
                .isEqualTo(othersTtlMs * 1_000_000L);
        f.clock.set(replacedAt + othersTtlMs * 1_000_000L - 1);
        assertThat(elector.step()).isEqualTo(1);
        f.clock.set(replacedAt + othersTtlMs * 1_000_000L);
        f.store.expectAcquire(Expired.class).thenReturn(acquired(SELF, 1));
        elector.step();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
    }

    @Test
    void shouldKeepLeadingThroughFailingRenewalsUntilExactlyTheDeadline() {
        LeaseElector elector = f.leading(7);
        long deadline = T0 + LOCAL_VALIDITY;
        f.clock.advanceNanos(HEARTBEAT);
        f.store.expectRenew(7).thenThrow(unavailable());

        assertThat(elector.step()).as("retry after the retry interval").isEqualTo(RETRY);
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(f.metrics.heartbeatFailures).isEqualTo(1);

        f.clock.set(deadline - 1_000_000_000L);
        f.store.expectRenew(7).thenThrow(unavailable());
        assertThat(elector.step()).as("never retry later than the deadline").isEqualTo(1_000_000_000L);

        f.clock.set(deadline - 1_000_000L);
        assertThat(elector.podPermit().validForMillis()).isEqualTo(1);
        f.clock.set(deadline - 1);
        elector.enforceDeadline();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().isLeader(deadline - 1)).isTrue();
        assertThat(elector.podPermit().granted()).as("less than a millisecond left").isFalse();
        int notified = f.changes.size();

        f.clock.set(deadline);
        elector.enforceDeadline();

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.DEGRADED);
        assertThat(elector.snapshot().isLeader(deadline)).isFalse();
        assertThat(elector.podPermit().granted()).isFalse();
        assertThat(f.changes).hasSize(notified + 1);
        assertThat(f.lastChange().state()).isEqualTo(LeaseState.DEGRADED);
        assertThat(f.metrics.transitions).containsExactly(TransitionKind.ACQUIRED, TransitionKind.LOST);
        elector.enforceDeadline();
        assertThat(f.metrics.transitions).as("revoked once").hasSize(2);
    }

    /** What the test thread calls at the deadline while the elector's thread hangs in the store. */
    enum RevokeTrigger {
        ENFORCE_DEADLINE {
            @Override
            void fire(LeaseElector elector) {
                elector.enforceDeadline();
            }
        },
        POD_PERMIT {
            @Override
            void fire(LeaseElector elector) {
                assertThat(elector.podPermit().granted()).isFalse();
            }
        },
        CLAIM {
            @Override
            void fire(LeaseElector elector) {
                assertThat(elector.claim("worker-1").granted()).isFalse();
            }
        };

        abstract void fire(LeaseElector elector);
    }

    @ParameterizedTest
    @EnumSource(RevokeTrigger.class)
    void shouldRevokeAtTheDeadlineWhileARenewalHangsAndNotResurrectWhenItAnswers(RevokeTrigger trigger)
            throws Exception {
        LeaseElector elector = f.leading(7);
        long deadline = T0 + LOCAL_VALIDITY;
        f.clock.advanceNanos(HEARTBEAT);
        BlockedCall<Boolean> hung = f.store.expectRenew(7).thenBlock();
        Future<Long> stepping = f.stepInBackground(elector);
        hung.awaitEntered();

        f.clock.set(deadline - 1_000_000L);
        assertThat(elector.podPermit().validForMillis()).isEqualTo(1);
        f.clock.set(deadline);
        trigger.fire(elector);

        assertThat(stepping).as("the renewal still hangs").isNotDone();
        assertThat(elector.podPermit().granted()).isFalse();
        assertThat(elector.claim("worker-1").granted()).isFalse();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.DEGRADED);
        assertThat(elector.snapshot().isLeader(deadline)).isFalse();
        assertThat(f.lastChange().state()).isEqualTo(LeaseState.DEGRADED);

        f.clock.advance(Duration.ofSeconds(1));
        hung.answer(true);
        assertThat(stepping.get(10, TimeUnit.SECONDS)).isZero();
        assertThat(elector.snapshot().state()).as("a late renewal does not resurrect the lease")
                .isEqualTo(LeaseState.DEGRADED);
        assertThat(elector.podPermit().granted()).isFalse();
        assertThat(elector.heldToken()).as("the row is still ours in the store").isEqualTo(7);

        long sentAt = f.clock.nanoTime();
        f.store.expectAcquire(Expired.class).thenReturn(acquired(SELF, 8));
        elector.step();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.podPermit().fencingToken()).as("a new token for a new validity period").isEqualTo(8);
        assertThat(elector.snapshot().validUntilNanos()).isEqualTo(sentAt + LOCAL_VALIDITY);
    }

    record LateRenewalCase(String name, long latencyNanos, LeaseState state) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<LateRenewalCase> lateRenewalCases() {
        long toDeadline = LOCAL_VALIDITY - HEARTBEAT; // sent 10 s after the acquire
        return Stream.of(
                new LateRenewalCase("answered a nanosecond before the deadline: renewed", toDeadline - 1,
                        LeaseState.LEADER),
                new LateRenewalCase("answered at the deadline: lost", toDeadline, LeaseState.DEGRADED),
                new LateRenewalCase("answered after the deadline: lost", toDeadline + 5_000_000_000L,
                        LeaseState.DEGRADED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lateRenewalCases")
    void shouldTreatARenewalAnsweredAtOrAfterTheDeadlineAsLost(LateRenewalCase c) {
        LeaseElector elector = f.leading(7);
        f.clock.advanceNanos(HEARTBEAT);
        f.store.expectRenew(7).taking(Duration.ofNanos(c.latencyNanos())).thenReturn(true);

        elector.step();

        assertThat(elector.snapshot().state()).isEqualTo(c.state());
        if (c.state() == LeaseState.LEADER) {
            assertThat(elector.snapshot().validUntilNanos()).isEqualTo(T0 + HEARTBEAT + LOCAL_VALIDITY);
        } else {
            assertThat(elector.podPermit().granted()).isFalse();
            assertThat(f.metrics.transitions).containsExactly(TransitionKind.ACQUIRED, TransitionKind.LOST);
            f.store.expectAcquire(Expired.class).thenReturn(acquired(SELF, 8));
            elector.step();
            assertThat(elector.snapshot().fencingToken()).isEqualTo(8);
        }
    }

    @Test
    void shouldNotExtendOrRegrantWhenARenewalInFlightAnswersAfterTheReleaseBegan() throws Exception {
        LeaseElector elector = f.leading(7);
        f.clock.advanceNanos(HEARTBEAT);
        BlockedCall<Boolean> renewal = f.store.expectRenew(7).thenBlock();
        Future<Long> stepping = f.stepInBackground(elector);
        renewal.awaitEntered();

        elector.beginRelease("shutting down");
        renewal.answer(true);
        stepping.get(10, TimeUnit.SECONDS);

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.RELEASING);
        assertThat(elector.snapshot().validUntilNanos()).as("not extended").isEqualTo(T0 + LOCAL_VALIDITY);
        assertThat(elector.podPermit().granted()).isFalse();
        f.store.expectRelease(7).thenReturn(true);
        assertThat(elector.releaseInStore()).isTrue();
    }

    @Test
    void shouldKeepAnAcquisitionThatAnswersAfterTheReleaseBeganOnlyToReleaseIt() throws Exception {
        LeaseElector elector = f.elector(config().build());
        BlockedCall<AcquireResult> acquiring = f.store.expectAcquire(Expired.class).thenBlock();
        Future<Long> stepping = f.stepInBackground(elector);
        acquiring.awaitEntered();

        assertThat(elector.beginRelease("shutting down")).as("was not leading").isFalse();
        acquiring.answer(acquired(SELF, 7));
        stepping.get(10, TimeUnit.SECONDS);

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.RELEASING);
        assertThat(elector.podPermit().granted()).isFalse();
        assertThat(elector.drainRemainingNanos()).isZero();
        f.store.expectRelease(7).thenReturn(true);
        assertThat(elector.releaseInStore()).isTrue();
    }

    // =================================================================== takeover rules

    /** At {@code at} after T0, the elector must send {@code rule}; the store then shows {@code seen}. */
    record Look(Duration at, TakeoverRule rule, LockRow seen) {
    }

    record TakeoverCase(String name, TakeoverPolicy policy, List<Look> looks) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<TakeoverCase> takeoverCases() {
        // The row's own TTL (30 s) decides, not ours (60 s): the TTL travels with the row.
        LockRow held = rowHeldBy(OTHER, 5, 1_000, 30_000);
        LockRow renewed = rowHeldBy(OTHER, 5, 21_000, 30_000);
        LockRow retaken = rowHeldBy(OTHER, 6, 1_000, 30_000);
        TakeoverRule free = new FreeOnly();
        return Stream.of(
                new TakeoverCase("observed: free only until the holding was seen unchanged for a row TTL",
                        TakeoverPolicy.OBSERVED, List.of(
                        new Look(Duration.ZERO, free, held),
                        new Look(Duration.ofSeconds(2), free, held),
                        new Look(Duration.ofMillis(29_999), free, held),
                        new Look(Duration.ofSeconds(30), TakeoverRule.expiredAndUnchanged(held), held),
                        new Look(Duration.ofSeconds(90), TakeoverRule.expiredAndUnchanged(held), held))),
                new TakeoverCase("observed: a renewal seen restarts the wait", TakeoverPolicy.OBSERVED, List.of(
                        new Look(Duration.ZERO, free, held),
                        new Look(Duration.ofSeconds(20), free, renewed),
                        new Look(Duration.ofSeconds(30), free, renewed),
                        new Look(Duration.ofMillis(49_999), free, renewed),
                        new Look(Duration.ofSeconds(50), TakeoverRule.expiredAndUnchanged(renewed), renewed))),
                new TakeoverCase("observed: a new token seen restarts the wait", TakeoverPolicy.OBSERVED, List.of(
                        new Look(Duration.ZERO, free, held),
                        new Look(Duration.ofSeconds(29), free, retaken),
                        new Look(Duration.ofSeconds(30), free, retaken),
                        new Look(Duration.ofSeconds(59), TakeoverRule.expiredAndUnchanged(retaken), retaken))),
                new TakeoverCase("store-clock: always expired", TakeoverPolicy.STORE_CLOCK, List.of(
                        new Look(Duration.ZERO, new Expired(), held),
                        new Look(Duration.ofSeconds(2), new Expired(), renewed),
                        new Look(Duration.ofSeconds(40), new Expired(), renewed))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("takeoverCases")
    void shouldSendTheTakeoverRuleThePolicyAllows(TakeoverCase c) {
        LeaseElector elector = f.elector(config().takeoverPolicy(c.policy()).build());
        for (Look look : c.looks()) {
            f.clock.set(T0 + look.at().toNanos());
            f.store.expectAcquire(look.rule()).thenReturn(heldBy(look.seen()));
            elector.step();
            assertThat(elector.snapshot().state()).isEqualTo(LeaseState.STANDBY);
        }
    }

    @Test
    void shouldTakeOverAfterObservingAnUnchangedHoldingThenLead() {
        LeaseElector elector = f.elector(config().takeoverPolicy(TakeoverPolicy.OBSERVED).build());
        LockRow held = rowHeldBy(OTHER, 5, 1_000, 60_000);
        f.store.expectAcquire(FreeOnly.class).thenReturn(heldBy(held));
        elector.step();
        f.clock.advance(Duration.ofSeconds(60));
        f.store.expectAcquire(new ExpiredAndUnchanged(OTHER.id(), 5, 1_000)).thenReturn(tookOver(SELF, 6));

        elector.step();

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(f.metrics.transitions).containsExactly(TransitionKind.TAKEN_OVER);
        f.clock.advanceNanos(HEARTBEAT);
        f.store.expectRenew(6).thenReturn(false);
        elector.step();
        f.store.expectAcquire(FreeOnly.class).thenReturn(heldBy(rowHeldBy(OTHER, 7, 99_000, 60_000)));
        elector.step();
        assertThat(elector.snapshot().state()).as("an old observation does not carry over").isEqualTo(LeaseState.STANDBY);
    }

    // =================================================================== retry timing

    @ParameterizedTest(name = "random draw {0}")
    @ValueSource(doubles = {0.0, 0.25, 0.5, 0.999_999})
    void shouldJitterTheRetryByTheInjectedRandomDraw(double draw) {
        LeaseElector elector = f.elector(config().jitter(0.2).build(), () -> draw);
        f.store.expectAcquire(Expired.class).thenReturn(heldBy(rowHeldBy(OTHER, 5, 1_000, 60_000)));

        assertThat(elector.step()).isEqualTo((long) (RETRY * (1 + 0.2 * draw)));
    }

    @Test
    void shouldKeepEveryRetryDelayWithinRetryAndRetryTimesOnePlusJitter() {
        Random random = new Random(42);
        LeaseElector elector = f.elector(config().jitter(0.5).build(), random::nextDouble);
        for (int i = 0; i < 500; i++) {
            Reply<AcquireResult> reply = f.store.expectAcquire(Expired.class);
            if (i % 2 == 0) {
                reply.thenReturn(heldBy(rowHeldBy(OTHER, 5, 1_000, 60_000)));
            } else {
                reply.thenThrow(unavailable());
            }
            assertThat(elector.step()).isBetween(RETRY, (long) (RETRY * 1.5));
        }
    }

    // =================================================================== standby wait

    /** A row read at store time {@code storeNowMs}, held by OTHER since {@code heartbeatAtMs}. */
    private static LockRow readAt(long heartbeatAtMs, long ttlMs, long storeNowMs) {
        return new LockRow(LeaseConfig.DEFAULT_LOCK_NAME, OTHER.id(), OTHER.host(), OTHER.pid(), OTHER.pod(), 5,
                heartbeatAtMs, heartbeatAtMs, ttlMs, storeNowMs);
    }

    @Test
    void shouldSleepUntilTheRowCanExpireWhileAReleaseWatchWakesIt() {
        LeaseElector elector = f.elector(config().build());
        elector.wakesOnRelease(() -> true);
        // Renewed 20 s before the store read it, TTL 60 s; the answer takes 30 ms to arrive.
        f.store.expectAcquire(Expired.class).taking(Duration.ofMillis(30))
                .thenReturn(heldBy(readAt(100_000, 60_000, 120_000)));

        long wait = elector.step();

        assertThat(wait).as("from the answer to the first store millisecond after heartbeat + ttl")
                .isEqualTo(Duration.ofMillis(40_001).toNanos());
    }

    @Test
    void shouldAlsoReadEveryRetryWithoutALiveReleaseWatch() {
        LeaseElector elector = f.elector(config().build());
        boolean[] live = {false};
        elector.wakesOnRelease(() -> live[0]);
        f.store.expectAcquire(Expired.class).thenReturn(heldBy(readAt(100_000, 60_000, 120_000)));
        assertThat(elector.step()).as("watch down: a release is noticed within a retry").isEqualTo(RETRY);

        live[0] = true;
        f.clock.advanceNanos(RETRY);
        f.store.expectAcquire(Expired.class).thenReturn(heldBy(readAt(100_000, 60_000, 122_000)));
        assertThat(elector.step()).isEqualTo(Duration.ofMillis(38_001).toNanos());
    }

    @Test
    void shouldReadAgainSoonWhenAnExpiredOrFreeRowWasRefused() {
        LeaseElector elector = f.elector(config().build());
        elector.wakesOnRelease(() -> true);
        f.store.expectAcquire(Expired.class).thenReturn(heldBy(readAt(100_000, 60_000, 170_000)));
        assertThat(elector.step()).as("another candidate won the expired row").isEqualTo(
                LeaseElector.MIN_STANDBY_WAIT_NANOS);

        f.clock.advanceNanos(LeaseElector.MIN_STANDBY_WAIT_NANOS);
        LockRow free = new LockRow(LeaseConfig.DEFAULT_LOCK_NAME, null, null, null, null, 5, 0, 170_000, 0, 170_005);
        f.store.expectAcquire(Expired.class).thenReturn(heldBy(free));
        assertThat(elector.step()).as("another candidate won the free row").isEqualTo(
                LeaseElector.MIN_STANDBY_WAIT_NANOS);
    }

    /**
     * Under {@code observed} the standby must see each renewal soon after it is written, so it
     * reads every retry; its last wait ends exactly when the holding has been seen unchanged for
     * the row's TTL on its own clock.
     */
    @Test
    void shouldReadEveryRetryAndWakeExactlyAtTheObservedTtlUnderObserved() {
        LeaseElector elector = f.elector(config().takeoverPolicy(TakeoverPolicy.OBSERVED).build());
        elector.wakesOnRelease(() -> true);
        LockRow row = readAt(100_000, 10_000, 100_000);
        f.store.expectAcquire(FreeOnly.class).thenReturn(heldBy(row));
        assertThat(elector.step()).isEqualTo(RETRY);

        f.clock.advanceNanos(Duration.ofMillis(9_000).toNanos());
        f.store.expectAcquire(FreeOnly.class).thenReturn(heldBy(readAt(100_000, 10_000, 109_500)));
        assertThat(elector.step()).as("the TTL seen unchanged ends in 1 s, after the store's expiry (0.501 s)")
                .isEqualTo(Duration.ofMillis(1_000).toNanos());

        f.clock.advanceNanos(Duration.ofMillis(1_000).toNanos());
        f.store.expectAcquire(ExpiredAndUnchanged.class).thenReturn(tookOver(SELF, 6));
        elector.step();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
    }

    @Test
    void shouldHoldOffBeforeTheNextAcquireAfterAStepDown() {
        LeaseElector elector = f.leading(7);
        elector.beginRelease("step-down requested");
        f.store.expectRelease(7).thenReturn(true);
        assertThat(elector.releaseInStore()).isTrue();

        elector.resumeAfterStepDown();

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.STANDBY);
        assertThat(f.lastChange().state()).isEqualTo(LeaseState.STANDBY);
        long holdOff = 2 * (long) (RETRY * 1.2); // two retry intervals with the largest jitter
        assertThat(elector.step()).as("no store call during the hold-off").isEqualTo(holdOff);
        f.clock.advanceNanos(holdOff - 1);
        assertThat(elector.step()).isEqualTo(1);
        f.clock.advanceNanos(1);
        f.store.expectAcquire(Expired.class).thenReturn(heldBy(rowHeldBy(OTHER, 8, 3_000, 60_000)));
        elector.step();
        assertThat(elector.snapshot().holderId()).isEqualTo(OTHER.id());
    }

    @Test
    void shouldMakeNoStoreCallWhileReleasingOrStopped() {
        LeaseElector elector = f.leading(7);
        elector.beginRelease("shutting down");
        assertThat(elector.step()).isEqualTo(RETRY);
        elector.stop("stopped");
        assertThat(elector.step()).isEqualTo(RETRY);
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.STOPPED);
    }

    // =================================================================== clock origin

    @Test
    void shouldKeepDeadlinesRightWhenTheMonotonicClockWrapsAround() {
        ElectorFixture wrapping = new ElectorFixture(Long.MAX_VALUE - 20_000_000_000L);
        LeaseElector elector = wrapping.leading(7);
        long deadline = wrapping.clock.nanoTime() + LOCAL_VALIDITY; // overflows, as nanoTime may

        wrapping.clock.advance(Duration.ofSeconds(30));
        assertThat(elector.podPermit().validForMillis()).isEqualTo(10_000);
        assertThat(elector.nanosUntilDeadline()).isEqualTo(24_000_000_000L);
        wrapping.clock.set(deadline - 1_000_000L);
        assertThat(elector.podPermit().validForMillis()).isEqualTo(1);
        wrapping.clock.set(deadline);
        assertThat(elector.podPermit().granted()).isFalse();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.DEGRADED);
        wrapping.verifyStore();
    }

    // =================================================================== helpers

    /** Leader (and a permit) until {@code deadline - 1 ns}; revoked at {@code deadline}. */
    private void assertLeaderUntilExactly(LeaseElector elector, long deadline) {
        f.clock.set(deadline - 1);
        elector.enforceDeadline();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().isLeader(deadline - 1)).isTrue();
        assertThat(elector.nanosUntilDeadline()).isEqualTo(1);
        f.clock.set(deadline);
        elector.enforceDeadline();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.DEGRADED);
        assertThat(elector.podPermit().granted()).isFalse();
    }
}
