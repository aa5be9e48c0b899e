package dev.schedlock.sidecar.store;

import static dev.schedlock.sidecar.store.TransitionKind.ACQUIRED;
import static dev.schedlock.sidecar.store.TransitionKind.FORCE_RELEASED;
import static dev.schedlock.sidecar.store.TransitionKind.LOST;
import static dev.schedlock.sidecar.store.TransitionKind.RELEASED;
import static dev.schedlock.sidecar.store.TransitionKind.TAKEN_OVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.schedlock.sidecar.store.jdbc.Migration;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link LeaseStore} must do, whatever the database (ShedLock's
 * {@code AbstractLockProviderIntegrationTest} habit): one subclass per database runs these cases
 * on a real instance of it.
 *
 * <p>A subclass gives every test a database (or schema) of its own in a {@code @BeforeEach}, and
 * {@link #newStore()} opens a store on it; a test may open several, to play several processes.
 * The stores a test opened are closed by {@link #closeStores()}, which JUnit runs after the
 * subclass's own {@code @AfterEach} methods: drop the test's database later than that (or leave
 * it to {@code @TempDir}).
 *
 * <p>No case waits for time to pass. A lease expires because {@link #backdateHeartbeat} moved its
 * heartbeat into the past, and history rows get their times by SQL, so the store's clock never
 * has to advance for a test to pass.
 */
public abstract class AbstractLeaseStoreContract {

    protected static final String LOCK = "nightly-jobs";
    protected static final String OTHER_LOCK = "hourly-reports";

    /** So long that no lease in these tests expires on its own; expiry is made by backdating. */
    protected static final long TTL_MS = 60_000;

    protected static final HolderIdentity ALICE = holder("alice");
    protected static final HolderIdentity BOB = holder("bob");

    private final List<LeaseStore> opened = new ArrayList<>();

    /** A new store, with a connection of its own, on this test's database. Not yet migrated. */
    protected abstract LeaseStore newStore();

    /** Moves the heartbeat of {@code lockName} {@code millis} into the past, by raw SQL. */
    protected abstract void backdateHeartbeat(String lockName, long millis);

    /** A plain JDBC connection to this test's database, for arranging and checking by SQL. */
    protected abstract Connection openConnection() throws SQLException;

    /**
     * Opens a transaction on another connection that holds the write lock on {@code lockName}'s
     * row (SQLite: the whole file, {@code BEGIN IMMEDIATE}; PostgreSQL: {@code SELECT … FOR UPDATE})
     * until the returned handle is closed, which rolls it back.
     */
    protected abstract AutoCloseable holdWriteLock(String lockName) throws SQLException;

    @AfterEach
    void closeStores() {
        opened.forEach(LeaseStore::close);
        opened.clear();
    }

    // ------------------------------------------------------------------ acquisition

    @Test
    void shouldGrantFreeLockWithTokenOneAndRecordAcquired() {
        LeaseStore store = migratedStore();
        long before = store.storeTimeMillis();

        AcquireResult result = store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired());

        assertThat(result.acquired()).isTrue();
        assertThat(result.kind()).isEqualTo(ACQUIRED);
        assertThat(result.fencingToken()).isEqualTo(1);
        LockRow row = store.inspect(LOCK).orElseThrow();
        assertThat(row.holderId()).isEqualTo(ALICE.id());
        assertThat(row.holderPod()).isEqualTo(ALICE.pod());
        assertThat(row.holderHost()).isEqualTo(ALICE.host());
        assertThat(row.holderPid()).isEqualTo(ALICE.pid());
        assertThat(row.fencingToken()).isEqualTo(1);
        assertThat(row.ttlMs()).isEqualTo(TTL_MS);
        assertThat(row.acquiredAtMs()).isGreaterThanOrEqualTo(before).isEqualTo(row.heartbeatAtMs());
        assertThat(row.isExpired()).isFalse();
        assertThat(store.recentHistory(LOCK, 10)).singleElement().satisfies(entry -> {
            assertThat(entry.kind()).isEqualTo(ACQUIRED);
            assertThat(entry.lockName()).isEqualTo(LOCK);
            assertThat(entry.holderId()).isEqualTo(ALICE.id());
            assertThat(entry.holderPod()).isEqualTo(ALICE.pod());
            assertThat(entry.holderHost()).isEqualTo(ALICE.host());
            assertThat(entry.fencingToken()).isEqualTo(1);
            assertThat(entry.atMs()).isEqualTo(row.acquiredAtMs());
        });
    }

    @Test
    void shouldNotGrantSecondHolderWhileLeaseIsValid() {
        LeaseStore alices = migratedStore();
        acquire(alices, ALICE);
        LeaseStore bobs = migratedStore();

        AcquireResult result = bobs.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expired());

        assertThat(result.acquired()).isFalse();
        assertThat(result.kind()).isNull();
        assertThat(result.row().holderId()).isEqualTo(ALICE.id());
        assertThat(result.fencingToken()).isEqualTo(1);
        assertThat(bobs.inspect(LOCK).orElseThrow().holderId()).isEqualTo(ALICE.id());
        assertThat(bobs.recentHistory(LOCK, 10)).extracting(HistoryEntry::kind).containsExactly(ACQUIRED);
    }

    @Test
    void shouldNotTakeOverLeaseThatIsOldButNotYetExpired() {
        LeaseStore alices = migratedStore();
        acquire(alices, ALICE, 10_000);
        backdateHeartbeat(LOCK, 9_000);

        AcquireResult result = migratedStore().tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expired());

        assertThat(result.acquired()).isFalse();
        assertThat(alices.renew(LOCK, ALICE.id(), 1, 10_000)).isTrue();
    }

    @Test
    void shouldTakeOverStaleLeaseAtStartUpWithNextTokenUnderStoreClock() {
        LeaseStore crashed = migratedStore();
        acquire(crashed, ALICE, 10_000);
        crashed.close(); // the holder died without releasing
        backdateHeartbeat(LOCK, 15_000);
        LeaseStore starting = migratedStore();
        assertThat(starting.inspect(LOCK).orElseThrow().isExpired()).isTrue();

        AcquireResult result = starting.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expired());

        assertThat(result.acquired()).isTrue();
        assertThat(result.kind()).isEqualTo(TAKEN_OVER);
        assertThat(result.fencingToken()).isEqualTo(2);
        LockRow row = starting.inspect(LOCK).orElseThrow();
        assertThat(row.holderId()).isEqualTo(BOB.id());
        assertThat(row.holderPod()).isEqualTo(BOB.pod());
        assertThat(row.fencingToken()).isEqualTo(2);
        assertThat(row.isExpired()).isFalse();
        HistoryEntry takeover = starting.recentHistory(LOCK, 1).get(0);
        assertThat(takeover.kind()).isEqualTo(TAKEN_OVER);
        assertThat(takeover.holderId()).isEqualTo(BOB.id());
        assertThat(takeover.fencingToken()).isEqualTo(2);
        assertThat(takeover.reason()).contains(ALICE.id()).contains("token 1");
    }

    @Test
    void shouldJudgeExpiryByTtlTheHolderWroteNotByCandidatesTtl() {
        acquire(migratedStore(), ALICE, 1_000);
        backdateHeartbeat(LOCK, 1_500);

        AcquireResult result = migratedStore().tryAcquire(LOCK, BOB, 60_000, TakeoverRule.expired());

        assertThat(result.acquired()).isTrue();
        assertThat(result.kind()).isEqualTo(TAKEN_OVER);
    }

    @Test
    void shouldNotTakeOverWhenOnlyCandidatesShorterTtlWouldCallTheLeaseExpired() {
        acquire(migratedStore(), ALICE, 60_000);
        backdateHeartbeat(LOCK, 1_500);

        AcquireResult result = migratedStore().tryAcquire(LOCK, BOB, 1_000, TakeoverRule.expired());

        assertThat(result.acquired()).isFalse();
        assertThat(result.row().holderId()).isEqualTo(ALICE.id());
    }

    @Test
    void shouldGiveNewTokenWhenHolderAcquiresItsOwnLeaseAgain() {
        LeaseStore store = migratedStore();
        acquire(store, ALICE);

        AcquireResult again = store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.freeOnly());

        assertThat(again.acquired()).isTrue();
        assertThat(again.kind()).isEqualTo(ACQUIRED);
        assertThat(again.fencingToken()).isEqualTo(2);
        assertThat(store.renew(LOCK, ALICE.id(), 1, TTL_MS)).as("renewal with the old token").isFalse();
        assertThat(store.renew(LOCK, ALICE.id(), 2, TTL_MS)).as("renewal with the new token").isTrue();
    }

    // ------------------------------------------------------------------ takeover rules

    @Test
    void shouldNotTakeOverExpiredLeaseUnderFreeOnlyRule() {
        acquire(migratedStore(), ALICE, 10_000);
        backdateHeartbeat(LOCK, 15_000);
        LeaseStore bobs = migratedStore();
        LockRow before = bobs.inspect(LOCK).orElseThrow();

        AcquireResult result = bobs.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.freeOnly());

        assertThat(result.acquired()).isFalse();
        assertSameHolding(bobs.inspect(LOCK).orElseThrow(), before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyRule")
    void shouldGrantReleasedLockUnderEveryRule(String ruleName, TakeoverRule rule) {
        LeaseStore alices = migratedStore();
        release(alices, ALICE, acquire(alices, ALICE));

        AcquireResult result = migratedStore().tryAcquire(LOCK, BOB, TTL_MS, rule);

        assertThat(result.acquired()).isTrue();
        assertThat(result.kind()).isEqualTo(ACQUIRED);
        assertThat(result.fencingToken()).isEqualTo(2);
    }

    static Stream<Arguments> everyRule() {
        return Stream.of(
                Arguments.of("free only", TakeoverRule.freeOnly()),
                Arguments.of("expired", TakeoverRule.expired()),
                Arguments.of("expired and unchanged (stale observation)",
                        new TakeoverRule.ExpiredAndUnchanged("someone-else", 7, 42)));
    }

    @Test
    void shouldTakeOverUnderObservedRuleWhenExpiredAndUnchanged() {
        acquire(migratedStore(), ALICE, 10_000);
        backdateHeartbeat(LOCK, 15_000);
        LeaseStore bobs = migratedStore();
        LockRow observed = bobs.inspect(LOCK).orElseThrow();

        AcquireResult result = bobs.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expiredAndUnchanged(observed));

        assertThat(result.acquired()).isTrue();
        assertThat(result.kind()).isEqualTo(TAKEN_OVER);
        assertThat(result.fencingToken()).isEqualTo(2);
    }

    @Test
    void shouldRefuseObservedTakeoverWhenHolderRenewedSinceObservation() {
        LeaseStore alices = migratedStore();
        acquire(alices, ALICE, 10_000);
        backdateHeartbeat(LOCK, 5_000);
        LeaseStore bobs = migratedStore();
        LockRow observed = bobs.inspect(LOCK).orElseThrow();
        assertThat(alices.renew(LOCK, ALICE.id(), 1, 10_000)).isTrue();
        backdateHeartbeat(LOCK, 15_000);
        assertThat(bobs.inspect(LOCK).orElseThrow().isExpired()).isTrue();

        AcquireResult result = bobs.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expiredAndUnchanged(observed));

        assertThat(result.acquired()).isFalse();
        assertThat(result.row().holderId()).isEqualTo(ALICE.id());
    }

    @Test
    void shouldRefuseObservedTakeoverWhenLeaseWasAcquiredAgainSinceObservation() {
        LeaseStore alices = migratedStore();
        acquire(alices, ALICE, 10_000);
        LeaseStore bobs = migratedStore();
        LockRow observed = bobs.inspect(LOCK).orElseThrow();
        acquire(alices, ALICE, 10_000);
        backdateHeartbeat(LOCK, 15_000);

        AcquireResult result = bobs.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expiredAndUnchanged(observed));

        assertThat(result.acquired()).isFalse();
        assertThat(result.fencingToken()).isEqualTo(2);
    }

    @Test
    void shouldRefuseObservedTakeoverWhenLeaseIsNotExpired() {
        acquire(migratedStore(), ALICE, 10_000);
        LeaseStore bobs = migratedStore();
        LockRow observed = bobs.inspect(LOCK).orElseThrow();

        AcquireResult result = bobs.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expiredAndUnchanged(observed));

        assertThat(result.acquired()).isFalse();
        assertThat(result.row().holderId()).isEqualTo(ALICE.id());
    }

    // ------------------------------------------------------------------ release

    @Test
    void shouldClearHolderButKeepTokenOnRelease() {
        LeaseStore store = migratedStore();
        long token = acquire(store, ALICE);

        boolean released = store.release(LOCK, ALICE.id(), token);

        assertThat(released).isTrue();
        LockRow row = store.inspect(LOCK).orElseThrow();
        assertThat(row.isFree()).isTrue();
        assertThat(row.holderId()).isNull();
        assertThat(row.holderPod()).isNull();
        assertThat(row.holderHost()).isNull();
        assertThat(row.holderPid()).isNull();
        assertThat(row.fencingToken()).isEqualTo(1);
        assertThat(row.isExpired()).isFalse();
        HistoryEntry entry = store.recentHistory(LOCK, 1).get(0);
        assertThat(entry.kind()).isEqualTo(RELEASED);
        assertThat(entry.holderId()).isEqualTo(ALICE.id());
        assertThat(entry.holderPod()).isEqualTo(ALICE.pod());
        assertThat(entry.fencingToken()).isEqualTo(1);
    }

    @Test
    void shouldGiveHigherTokenWhenAcquiredAfterRelease() {
        LeaseStore alices = migratedStore();
        release(alices, ALICE, acquire(alices, ALICE));

        AcquireResult result = migratedStore().tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expired());

        assertThat(result.acquired()).isTrue();
        assertThat(result.kind()).as("a released lock is free, not taken over").isEqualTo(ACQUIRED);
        assertThat(result.fencingToken()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("holdingsThatAreNotAlicesFirst")
    void shouldRefuseReleaseThatDoesNotNameTheCurrentHolding(String what, HolderIdentity caller, long token) {
        LeaseStore store = migratedStore();
        acquire(store, ALICE);
        LockRow before = store.inspect(LOCK).orElseThrow();

        boolean released = store.release(LOCK, caller.id(), token);

        assertThat(released).isFalse();
        assertSameHolding(store.inspect(LOCK).orElseThrow(), before);
        assertThat(store.recentHistory(LOCK, 10)).extracting(HistoryEntry::kind).containsExactly(ACQUIRED);
    }

    static Stream<Arguments> holdingsThatAreNotAlicesFirst() {
        return Stream.of(
                Arguments.of("another holder, the right token", BOB, 1L),
                Arguments.of("the holder, a later token", ALICE, 2L),
                Arguments.of("the holder, an earlier token", ALICE, 0L));
    }

    @Test
    void shouldRefuseReleaseOfLockThatWasNeverAcquired() {
        LeaseStore store = migratedStore();

        assertThat(store.release(LOCK, ALICE.id(), 1)).isFalse();
        assertThat(store.inspect(LOCK)).isEmpty();
        assertThat(store.recentHistory(LOCK, 10)).isEmpty();
    }

    // ------------------------------------------------------------------ renewal

    @Test
    void shouldMoveHeartbeatForwardOnRenewWithoutNewTransition() {
        LeaseStore store = migratedStore();
        acquire(store, ALICE);
        backdateHeartbeat(LOCK, 5_000);
        LockRow before = store.inspect(LOCK).orElseThrow();

        boolean renewed = store.renew(LOCK, ALICE.id(), 1, TTL_MS);

        assertThat(renewed).isTrue();
        LockRow after = store.inspect(LOCK).orElseThrow();
        assertThat(after.heartbeatAtMs()).isGreaterThanOrEqualTo(before.storeNowMs());
        assertThat(after.heartbeatAgeMs()).isLessThan(5_000);
        assertThat(after.holderId()).isEqualTo(ALICE.id());
        assertThat(after.fencingToken()).isEqualTo(1);
        assertThat(after.acquiredAtMs()).isEqualTo(before.acquiredAtMs());
        assertThat(store.recentHistory(LOCK, 10)).extracting(HistoryEntry::kind).containsExactly(ACQUIRED);
    }

    @Test
    void shouldWriteTheTtlGivenOnRenew() {
        LeaseStore store = migratedStore();
        acquire(store, ALICE, 10_000);

        assertThat(store.renew(LOCK, ALICE.id(), 1, 30_000)).isTrue();

        assertThat(store.inspect(LOCK).orElseThrow().ttlMs()).isEqualTo(30_000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("holdingsThatAreNotAlicesFirst")
    void shouldRefuseRenewThatDoesNotNameTheCurrentHolding(String what, HolderIdentity caller, long token) {
        LeaseStore store = migratedStore();
        acquire(store, ALICE);
        backdateHeartbeat(LOCK, 5_000);
        LockRow before = store.inspect(LOCK).orElseThrow();

        boolean renewed = store.renew(LOCK, caller.id(), token, TTL_MS);

        assertThat(renewed).isFalse();
        assertSameHolding(store.inspect(LOCK).orElseThrow(), before);
    }

    @Test
    void shouldRefuseRenewAfterExpiryAndRecordLost() {
        LeaseStore store = migratedStore();
        acquire(store, ALICE, 10_000);
        backdateHeartbeat(LOCK, 15_000);
        LockRow before = store.inspect(LOCK).orElseThrow();

        boolean renewed = store.renew(LOCK, ALICE.id(), 1, 10_000);

        assertThat(renewed).isFalse();
        LockRow after = store.inspect(LOCK).orElseThrow();
        assertSameHolding(after, before);
        assertThat(after.isExpired()).isTrue();
        HistoryEntry lost = store.recentHistory(LOCK, 1).get(0);
        assertThat(lost.kind()).isEqualTo(LOST);
        assertThat(lost.holderId()).isEqualTo(ALICE.id());
        assertThat(lost.fencingToken()).isEqualTo(1);
        AcquireResult again = store.tryAcquire(LOCK, ALICE, 10_000, TakeoverRule.freeOnly());
        assertThat(again.fencingToken()).as("an expired holding comes back only with a new token").isEqualTo(2);
    }

    @Test
    void shouldRunFullLifecycleOfAcquireHeartbeatsAndRelease() {
        LeaseStore store = migratedStore();
        long token = acquire(store, ALICE, 10_000);
        for (int beat = 0; beat < 3; beat++) {
            backdateHeartbeat(LOCK, 8_000);
            assertThat(store.renew(LOCK, ALICE.id(), token, 10_000)).as("heartbeat %d", beat).isTrue();
            assertThat(store.inspect(LOCK).orElseThrow().heartbeatAgeMs()).isLessThan(8_000);
        }

        assertThat(store.release(LOCK, ALICE.id(), token)).isTrue();

        assertThat(store.inspect(LOCK).orElseThrow().isFree()).isTrue();
        assertThat(store.recentHistory(LOCK, 10))
                .extracting(HistoryEntry::kind, HistoryEntry::holderId, HistoryEntry::fencingToken)
                .containsExactly(
                        tuple(RELEASED, ALICE.id(), 1L),
                        tuple(ACQUIRED, ALICE.id(), 1L));
        assertThat(store.renew(LOCK, ALICE.id(), token, 10_000)).as("heartbeat after release").isFalse();
    }

    // ------------------------------------------------------------------ fencing tokens

    @Test
    void shouldRaiseTokenByOneOnEveryAcquisitionWhateverEndedThePreviousHolding() {
        LeaseStore alices = migratedStore();
        LeaseStore bobs = migratedStore();
        List<Long> tokens = new ArrayList<>();
        for (int cycle = 0; cycle < 30; cycle++) {
            LeaseStore store = cycle % 2 == 0 ? alices : bobs;
            HolderIdentity holder = cycle % 2 == 0 ? ALICE : BOB;
            AcquireResult result = store.tryAcquire(LOCK, holder, 10_000, TakeoverRule.expired());
            assertThat(result.acquired()).as("cycle %d", cycle).isTrue();
            tokens.add(result.fencingToken());
            switch (cycle % 3) {
                case 0 -> release(store, holder, result.fencingToken());
                case 1 -> backdateHeartbeat(LOCK, 15_000); // the next holder takes it over
                default -> assertThat(store.forceRelease(LOCK, "test")).isPresent();
            }
        }

        assertThat(tokens).containsExactlyElementsOf(LongStream.rangeClosed(1, 30).boxed().toList());
    }

    @Test
    void shouldKeepTokensRisingAcrossClosingAndReopeningTheStore() {
        LeaseStore first = migratedStore();
        for (int cycle = 0; cycle < 3; cycle++) {
            release(first, ALICE, acquire(first, ALICE));
        }
        first.close();

        LeaseStore reopened = migratedStore();

        assertThat(reopened.inspect(LOCK).orElseThrow().fencingToken()).isEqualTo(3);
        assertThat(acquire(reopened, BOB)).isEqualTo(4);
    }

    // ------------------------------------------------------------------ break-glass

    @Test
    void shouldClearHolderKeepTokenAndRecordForcedRelease() {
        LeaseStore alices = migratedStore();
        acquire(alices, ALICE);
        LeaseStore operator = migratedStore();

        LockRow cleared = operator.forceRelease(LOCK, "pod alice-pod is gone").orElseThrow();

        assertThat(cleared.holderId()).isEqualTo(ALICE.id());
        assertThat(cleared.fencingToken()).isEqualTo(1);
        LockRow row = operator.inspect(LOCK).orElseThrow();
        assertThat(row.isFree()).isTrue();
        assertThat(row.fencingToken()).isEqualTo(1);
        HistoryEntry entry = operator.recentHistory(LOCK, 1).get(0);
        assertThat(entry.kind()).isEqualTo(FORCE_RELEASED);
        assertThat(entry.holderId()).isEqualTo(ALICE.id());
        assertThat(entry.fencingToken()).isEqualTo(1);
        assertThat(entry.reason()).isEqualTo("pod alice-pod is gone");
        assertThat(alices.renew(LOCK, ALICE.id(), 1, TTL_MS)).isFalse();
        assertThat(acquire(migratedStore(), BOB)).isEqualTo(2);
    }

    @Test
    void shouldDoNothingWhenForceReleasingFreeOrUnknownLock() {
        LeaseStore store = migratedStore();
        release(store, ALICE, acquire(store, ALICE));

        assertThat(store.forceRelease(LOCK, "test")).isEmpty();
        assertThat(store.forceRelease("never-acquired", "test")).isEmpty();
        assertThat(store.recentHistory(LOCK, 10)).extracting(HistoryEntry::kind).containsExactly(RELEASED, ACQUIRED);
        assertThat(store.inspect("never-acquired")).isEmpty();
    }

    // ------------------------------------------------------------------ history

    @Test
    void shouldListRecentHistoryNewestFirstUpToLimit() {
        LeaseStore store = migratedStore();
        recordTransitions(store, LOCK, 3);     // ids 1..6 on LOCK
        recordTransitions(store, OTHER_LOCK, 1);
        // Times out of id order, with a tie, so that the order must come from the time.
        setHistoryTimes(5_000, 1_000, 3_000, 3_000, 2_000, 4_000, 9_000, 9_500);

        List<HistoryEntry> recent = store.recentHistory(LOCK, 4);

        assertThat(recent).extracting(HistoryEntry::atMs).containsExactly(5_000L, 4_000L, 3_000L, 3_000L);
        assertThat(recent.get(2).id()).as("newer id first on a tie").isGreaterThan(recent.get(3).id());
        assertThat(recent).extracting(HistoryEntry::lockName).containsOnly(LOCK);
    }

    @Test
    void shouldListHistoryBetweenWithInclusiveFromAndExclusiveTo() {
        LeaseStore store = migratedStore();
        recordTransitions(store, LOCK, 2);
        recordTransitions(store, OTHER_LOCK, 1);
        setHistoryTimes(4_000, 2_000, 3_000, 1_000, 2_500, 3_500);

        assertThat(store.historyBetween(LOCK, 2_000, 4_000)).extracting(HistoryEntry::atMs)
                .containsExactly(2_000L, 3_000L);
        assertThat(store.historyBetween(LOCK, 1_000, 4_001)).extracting(HistoryEntry::atMs)
                .containsExactly(1_000L, 2_000L, 3_000L, 4_000L);
        assertThat(store.historyBetween(LOCK, 2_001, 3_000)).isEmpty();
    }

    @Test
    void shouldListHistorySinceOverEveryLockOldestFirstUpToLimit() {
        LeaseStore store = migratedStore();
        recordTransitions(store, LOCK, 2);
        recordTransitions(store, OTHER_LOCK, 1);
        setHistoryTimes(1_000, 4_000, 2_000, 6_000, 3_000, 5_000);

        List<HistoryEntry> since = store.historySince(2_000, 10);

        assertThat(since).extracting(HistoryEntry::atMs).containsExactly(2_000L, 3_000L, 4_000L, 5_000L, 6_000L);
        assertThat(since).extracting(HistoryEntry::lockName).contains(LOCK, OTHER_LOCK);
        assertThat(store.historySince(2_000, 2)).extracting(HistoryEntry::atMs).containsExactly(2_000L, 3_000L);
    }

    @Test
    void shouldPruneOnlyHistoryOlderThanCutoff() {
        LeaseStore store = migratedStore();
        recordTransitions(store, LOCK, 2);
        recordTransitions(store, OTHER_LOCK, 1);
        setHistoryTimes(1_000, 2_000, 3_000, 4_000, 2_999, 3_001);

        int pruned = store.pruneHistory(3_000);

        assertThat(pruned).isEqualTo(3);
        assertThat(store.historySince(0, 100)).extracting(HistoryEntry::atMs)
                .containsExactly(3_000L, 3_001L, 4_000L);
        assertThat(store.pruneHistory(3_000)).isZero();
    }

    // ------------------------------------------------------------------ schema

    @Test
    void shouldReportNoSchemaBeforeMigrateAndLatestAfter() {
        LeaseStore store = open();
        assertThat(store.schemaVersion()).isZero();

        store.migrate();

        assertThat(store.schemaVersion()).isEqualTo(Migration.LATEST);
        assertThat(queryRows("SELECT version FROM schema_migrations ORDER BY version"))
                .extracting(row -> ((Number) row.get(0)).intValue())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, Migration.LATEST).boxed().toList());
    }

    @Test
    void shouldChangeNothingWhenMigratingAgain() {
        LeaseStore first = migratedStore();
        acquire(first, ALICE);
        List<List<Object>> migrations = queryRows("SELECT version, description, applied_at FROM schema_migrations");
        LockRow lease = first.inspect(LOCK).orElseThrow();

        first.migrate();
        LeaseStore second = migratedStore();

        assertThat(second.schemaVersion()).isEqualTo(Migration.LATEST);
        assertThat(queryRows("SELECT version, description, applied_at FROM schema_migrations"))
                .isEqualTo(migrations);
        assertSameHolding(second.inspect(LOCK).orElseThrow(), lease);
        assertThat(second.recentHistory(LOCK, 10)).hasSize(1);
    }

    // ------------------------------------------------------------------ standby attempts

    /**
     * A standby's attempt on a held, unexpired row is a read: it waits for no write lock, so a
     * writer holding the row (here for the whole attempt) neither delays nor fails it, and it
     * changes nothing. An attempt that took the write lock first would wait for the busy timeout
     * or the statement timeout and then fail.
     */
    @ParameterizedTest
    @MethodSource("everyRule")
    void shouldRefuseAHeldRowWithoutTakingTheWriteLock(String name, TakeoverRule rule) throws Exception {
        LeaseStore leader = migratedStore();
        LeaseStore standby = migratedStore();
        long token = acquire(leader, ALICE);
        LockRow held = leader.inspect(LOCK).orElseThrow();
        List<List<Object>> historyBefore = queryRows("SELECT id, kind FROM scheduler_lock_history ORDER BY id");

        AcquireResult attempt;
        try (AutoCloseable writer = holdWriteLock(LOCK)) {
            attempt = standby.tryAcquire(LOCK, BOB, TTL_MS, rule);
        }

        assertThat(attempt.acquired()).isFalse();
        assertSameHolding(attempt.row(), held);
        assertThat(attempt.row().storeNowMs()).isGreaterThanOrEqualTo(held.storeNowMs());
        assertSameHolding(leader.inspect(LOCK).orElseThrow(), held);
        assertThat(queryRows("SELECT id, kind FROM scheduler_lock_history ORDER BY id")).isEqualTo(historyBefore);
        assertThat(leader.renew(LOCK, ALICE.id(), token, TTL_MS)).as("the holding is intact").isTrue();
    }

    /**
     * An expired row read by two candidates at once goes to exactly one of them: the other's write
     * finds a version it did not read and is refused, with the token taken once.
     */
    @Test
    void shouldGiveAnExpiredRowToOneOfTwoCandidatesAtOnce() throws Exception {
        LeaseStore first = migratedStore();
        LeaseStore second = migratedStore();
        LeaseStore third = migratedStore();
        acquire(first, ALICE);
        backdateHeartbeat(LOCK, 2 * TTL_MS);
        HolderIdentity carol = holder("carol");

        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            var bob = pool.submit(() -> {
                start.await();
                return second.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expired());
            });
            var other = pool.submit(() -> {
                start.await();
                return third.tryAcquire(LOCK, carol, TTL_MS, TakeoverRule.expired());
            });
            start.countDown();
            List<AcquireResult> results = List.of(bob.get(), other.get());

            assertThat(results).filteredOn(AcquireResult::acquired).hasSize(1);
            assertThat(results).filteredOn(AcquireResult::acquired).first()
                    .extracting(AcquireResult::fencingToken).isEqualTo(2L);
            assertThat(first.inspect(LOCK).orElseThrow().fencingToken()).isEqualTo(2);
            assertThat(queryRows("SELECT kind, fencing_token FROM scheduler_lock_history ORDER BY id"))
                    .extracting(row -> row.get(0))
                    .containsExactly("acquired", "taken_over");
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ helpers

    protected static HolderIdentity holder(String name) {
        return new HolderIdentity(name + "-pod/" + name + "-uid/5eed", name + "-pod", name + "-host", name.length());
    }

    /** Opens a store through {@link #newStore()} and closes it after the test. */
    protected final LeaseStore open() {
        LeaseStore store = newStore();
        opened.add(store);
        return store;
    }

    protected final LeaseStore migratedStore() {
        LeaseStore store = open();
        store.migrate();
        return store;
    }

    protected static long acquire(LeaseStore store, HolderIdentity holder) {
        return acquire(store, holder, TTL_MS);
    }

    protected static long acquire(LeaseStore store, HolderIdentity holder, long ttlMs) {
        AcquireResult result = store.tryAcquire(LOCK, holder, ttlMs, TakeoverRule.expired());
        assertThat(result.acquired()).as("%s acquires %s", holder.pod(), LOCK).isTrue();
        return result.fencingToken();
    }

    protected static void release(LeaseStore store, HolderIdentity holder, long token) {
        assertThat(store.release(LOCK, holder.id(), token)).as("%s releases %s", holder.pod(), LOCK).isTrue();
    }

    /** Same holder, token, times and TTL; only the clock reading may differ. */
    protected static void assertSameHolding(LockRow actual, LockRow expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFields("storeNowMs").isEqualTo(expected);
    }

    /** Acquires and releases {@code lockName} {@code cycles} times: two history rows a cycle. */
    private static void recordTransitions(LeaseStore store, String lockName, int cycles) {
        for (int i = 0; i < cycles; i++) {
            AcquireResult result = store.tryAcquire(lockName, ALICE, TTL_MS, TakeoverRule.freeOnly());
            assertThat(store.release(lockName, ALICE.id(), result.fencingToken())).isTrue();
        }
    }

    /** Gives the history rows, in id order, these times. */
    private void setHistoryTimes(long... atMs) {
        List<Long> ids = queryRows("SELECT id FROM scheduler_lock_history ORDER BY id").stream()
                .map(row -> ((Number) row.get(0)).longValue())
                .collect(Collectors.toList());
        assertThat(ids).as("history rows to date").hasSize(atMs.length);
        for (int i = 0; i < atMs.length; i++) {
            executeUpdate("UPDATE scheduler_lock_history SET at_ms = ? WHERE id = ?", atMs[i], ids.get(i));
        }
    }

    protected final int executeUpdate(String sql, Object... params) {
        try (Connection c = openConnection()) {
            return Sql.update(c, sql, params);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    protected final List<List<Object>> queryRows(String sql, Object... params) {
        try (Connection c = openConnection()) {
            return Sql.rows(c, sql, params);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
