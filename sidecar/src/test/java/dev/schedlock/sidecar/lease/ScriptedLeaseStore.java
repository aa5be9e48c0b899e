package dev.schedlock.sidecar.lease;

import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HistoryEntry;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.TakeoverRule;
import dev.schedlock.sidecar.store.TransitionKind;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A {@link LeaseStore} that answers only the calls a test scripted, in order, and fails the test on
 * any other call (client-go's fake client habit). Each expectation can move the {@link FakeClock}
 * while "in the store", to simulate latency, or block until the test answers it from its own thread,
 * to simulate a hung statement.
 *
 * <p>An unexpected call throws an {@link AssertionError} from the store method (which the elector
 * does not catch) and is also remembered, so that {@link #verifyAllConsumed()} reports calls made
 * on other threads.
 */
final class ScriptedLeaseStore implements LeaseStore {

    /** Longest real wait for a thread hand-over; never reached when the test is right. */
    private static final Duration HAND_OVER_TIMEOUT = Duration.ofSeconds(10);

    private final FakeClock clock;
    private final String lockName;
    private final String holderId;
    private final Deque<Reply<?>> expected = new ArrayDeque<>();
    private final List<Throwable> failures = new ArrayList<>();

    /** Every call must be for {@code lockName} and made by {@code holderId}. */
    ScriptedLeaseStore(FakeClock clock, String lockName, String holderId) {
        this.clock = clock;
        this.lockName = lockName;
        this.holderId = holderId;
    }

    // =================================================================== scripting

    /** The next call is an acquire whose takeover rule is of {@code ruleType}. */
    Reply<AcquireResult> expectAcquire(Class<? extends TakeoverRule> ruleType) {
        return expect("tryAcquire(rule " + ruleType.getSimpleName() + ")",
                call -> call.operation.equals("tryAcquire") && ruleType.isInstance(call.rule));
    }

    /** The next call is an acquire with exactly {@code rule}. */
    Reply<AcquireResult> expectAcquire(TakeoverRule rule) {
        return expect("tryAcquire(rule " + rule + ")",
                call -> call.operation.equals("tryAcquire") && rule.equals(call.rule));
    }

    /** The next call renews the holding with {@code token}. */
    Reply<Boolean> expectRenew(long token) {
        return expect("renew(token " + token + ")",
                call -> call.operation.equals("renew") && call.token == token);
    }

    /** The next call releases the holding with {@code token}. */
    Reply<Boolean> expectRelease(long token) {
        return expect("release(token " + token + ")",
                call -> call.operation.equals("release") && call.token == token);
    }

    private <T> Reply<T> expect(String description, Predicate<Call> matcher) {
        Reply<T> reply = new Reply<>(description, matcher);
        synchronized (this) {
            expected.addLast(reply);
        }
        return reply;
    }

    /** Fails if a call was unexpected or a scripted call was not made. */
    void verifyAllConsumed() {
        synchronized (this) {
            if (!failures.isEmpty()) {
                AssertionError error = new AssertionError("the store was used wrongly: " + failures.get(0).getMessage());
                failures.forEach(error::addSuppressed);
                throw error;
            }
            if (!expected.isEmpty()) {
                throw new AssertionError("scripted store calls not made: "
                        + expected.stream().map(r -> r.description).toList());
            }
        }
    }

    // =================================================================== answers

    /** An acquisition by {@code holder}: the row the store would return, written now. */
    static AcquireResult acquired(HolderIdentity holder, long token) {
        return new AcquireResult(true, TransitionKind.ACQUIRED, rowHeldBy(holder, token, 1_000L, 60_000L));
    }

    /** A takeover of an expired row by {@code holder}. */
    static AcquireResult tookOver(HolderIdentity holder, long token) {
        return new AcquireResult(true, TransitionKind.TAKEN_OVER, rowHeldBy(holder, token, 1_000L, 60_000L));
    }

    /** The acquire lost: {@code row} is the holding that won. */
    static AcquireResult heldBy(LockRow row) {
        return new AcquireResult(false, null, row);
    }

    static LockRow rowHeldBy(HolderIdentity holder, long token, long heartbeatAtMs, long ttlMs) {
        return new LockRow(LeaseConfig.DEFAULT_LOCK_NAME, holder.id(), holder.host(), holder.pid(), holder.pod(), token,
                heartbeatAtMs, heartbeatAtMs, ttlMs, heartbeatAtMs);
    }

    static StoreException unavailable() {
        return new StoreException(StoreException.Kind.UNAVAILABLE, "database is locked");
    }

    /** What one scripted call does: how long it takes on the fake clock, and how it ends. */
    static final class Reply<T> {
        private final String description;
        private final Predicate<Call> matcher;
        private long latencyNanos;
        private Supplier<T> outcome;
        private BlockedCall<T> blocked;

        private Reply(String description, Predicate<Call> matcher) {
            this.description = description;
            this.matcher = matcher;
        }

        /** The fake clock moves by {@code latency} between the call and its answer. */
        Reply<T> taking(Duration latency) {
            this.latencyNanos = latency.toNanos();
            return this;
        }

        void thenReturn(T value) {
            outcome = () -> value;
        }

        void thenThrow(StoreException e) {
            outcome = () -> {
                throw e;
            };
        }

        /** The call hangs until the test answers it through the returned handle. */
        BlockedCall<T> thenBlock() {
            blocked = new BlockedCall<>();
            return blocked;
        }

        private T answer(FakeClock clock) {
            clock.advanceNanos(latencyNanos);
            if (blocked != null) {
                return blocked.hang();
            }
            if (outcome == null) {
                throw new AssertionError("scripted call " + description + " has no answer");
            }
            return outcome.get();
        }
    }

    /** A store call that hangs on the elector's thread until the test answers it. */
    static final class BlockedCall<T> {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CompletableFuture<Supplier<T>> answer = new CompletableFuture<>();

        /** Waits until the elector's thread is inside the call. */
        void awaitEntered() throws InterruptedException {
            if (!entered.await(HAND_OVER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the blocked store call was never made");
            }
        }

        void answer(T value) {
            answer.complete(() -> value);
        }

        private T hang() {
            entered.countDown();
            try {
                return answer.get(HAND_OVER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while blocked in the store", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new AssertionError("the test never answered the blocked store call", e);
            }
        }
    }

    // =================================================================== LeaseStore

    /** One call as the elector made it. */
    private record Call(String operation, String lockName, String holderId, long token, TakeoverRule rule) {
        @Override
        public String toString() {
            return operation + "(lock " + lockName + ", holder " + holderId
                    + (rule != null ? ", rule " + rule : ", token " + token) + ")";
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T answer(Call call) {
        Reply<?> next;
        synchronized (this) {
            next = expected.peekFirst();
            if (!call.lockName.equals(lockName) || !call.holderId.equals(holderId)
                    || next == null || !next.matcher.test(call)) {
                AssertionError error = new AssertionError("unexpected store call " + call + "; expected "
                        + (next == null ? "no call" : next.description));
                failures.add(error);
                throw error;
            }
            expected.removeFirst();
        }
        try {
            return (T) next.answer(clock);
        } catch (AssertionError e) {
            synchronized (this) {
                failures.add(e);
            }
            throw e;
        }
    }

    @Override
    public AcquireResult tryAcquire(String lockName, HolderIdentity holder, long ttlMs, TakeoverRule rule) {
        return answer(new Call("tryAcquire", lockName, holder.id(), 0, rule));
    }

    @Override
    public boolean renew(String lockName, String holderId, long fencingToken, long ttlMs) {
        return this.<Boolean>answer(new Call("renew", lockName, holderId, fencingToken, null));
    }

    @Override
    public boolean release(String lockName, String holderId, long fencingToken) {
        return this.<Boolean>answer(new Call("release", lockName, holderId, fencingToken, null));
    }

    @Override
    public void migrate() {
        throw unexpected("migrate()");
    }

    @Override
    public int schemaVersion() {
        throw unexpected("schemaVersion()");
    }

    @Override
    public Optional<LockRow> forceRelease(String lockName, String reason) {
        throw unexpected("forceRelease()");
    }

    @Override
    public Optional<LockRow> inspect(String lockName) {
        throw unexpected("inspect()");
    }

    @Override
    public long storeTimeMillis() {
        throw unexpected("storeTimeMillis()");
    }

    @Override
    public List<HistoryEntry> recentHistory(String lockName, int limit) {
        throw unexpected("recentHistory()");
    }

    @Override
    public List<HistoryEntry> historyBetween(String lockName, long fromMs, long toMs) {
        throw unexpected("historyBetween()");
    }

    @Override
    public List<HistoryEntry> historySince(long sinceMs, int limit) {
        throw unexpected("historySince()");
    }

    @Override
    public int pruneHistory(long olderThanMs) {
        throw unexpected("pruneHistory()");
    }

    @Override
    public String describe() {
        return "scripted";
    }

    @Override
    public void close() {
        throw unexpected("close()");
    }

    private synchronized AssertionError unexpected(String what) {
        AssertionError error = new AssertionError("unexpected store call " + what + " (the elector never needs it)");
        failures.add(error);
        return error;
    }
}
