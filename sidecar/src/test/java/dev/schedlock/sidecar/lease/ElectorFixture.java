package dev.schedlock.sidecar.lease;

import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.acquired;
import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.TakeoverRule;
import dev.schedlock.sidecar.store.TransitionKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.DoubleSupplier;

/**
 * One elector under test with its fakes: a {@link FakeClock}, a {@link ScriptedLeaseStore} and
 * recorders for metrics and change notifications. A test makes one per test method and calls
 * {@link #verifyStore()} after it.
 *
 * <p>The timing is the default configuration, so that numbers in tests read like the docs:
 * TTL 60 s, safety margin 6 s (local validity 54 s), heartbeat 10 s, retry 2 s, permit 10 s.
 */
final class ElectorFixture {

    /** An arbitrary origin: the elector must not assume that monotonic time starts at 0. */
    static final long T0 = 7_000_000_000_000L;
    static final long LOCAL_VALIDITY = Duration.ofSeconds(54).toNanos();
    static final long HEARTBEAT = Duration.ofSeconds(10).toNanos();
    static final long RETRY = Duration.ofSeconds(2).toNanos();
    static final long PERMIT_TTL_MS = 10_000;

    static final HolderIdentity SELF = new HolderIdentity("pod-a/uid-a/0a0a0a", "pod-a", "host-a", 1);
    static final HolderIdentity OTHER = new HolderIdentity("pod-b/uid-b/0b0b0b", "pod-b", "host-b", 1);

    final FakeClock clock;
    final ScriptedLeaseStore store;
    final RecordingMetrics metrics = new RecordingMetrics();
    /** Every snapshot published to change listeners, in order. */
    final List<LeaseSnapshot> changes = new CopyOnWriteArrayList<>();
    /** The elector's own thread, for steps that hang in the store while the test thread acts. */
    private final ExecutorService electorThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "elector-under-test");
        t.setDaemon(true);
        return t;
    });

    ElectorFixture() {
        this(T0);
    }

    ElectorFixture(long originNanos) {
        this.clock = new FakeClock(originNanos);
        this.store = new ScriptedLeaseStore(clock, LeaseConfig.DEFAULT_LOCK_NAME, SELF.id());
    }

    static LeaseConfig.Builder config() {
        return LeaseConfig.builder();
    }

    /** An elector whose retry jitter is always 0. */
    LeaseElector elector(LeaseConfig config) {
        return elector(config, () -> 0.0);
    }

    LeaseElector elector(LeaseConfig config, DoubleSupplier random) {
        LeaseElector elector = new LeaseElector(config, store, SELF, clock, random, metrics);
        elector.onChange(changes::add);
        return elector;
    }

    /** An elector with {@code config} that has just acquired a free row, now, with {@code token}. */
    LeaseElector leading(LeaseConfig config, long token) {
        LeaseElector elector = elector(config);
        acquireNow(elector, token);
        return elector;
    }

    /** The default configuration, leading with {@code token} since now. */
    LeaseElector leading(long token) {
        return leading(config().build(), token);
    }

    /** One step that acquires a free row with {@code token}; the local deadline is now + 54 s. */
    void acquireNow(LeaseElector elector, long token) {
        store.expectAcquire(ruleFor(elector)).thenReturn(acquired(SELF, token));
        elector.step();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().fencingToken()).isEqualTo(token);
    }

    private static Class<? extends TakeoverRule> ruleFor(LeaseElector elector) {
        return elector.config().takeoverPolicy() == TakeoverPolicy.STORE_CLOCK
                ? TakeoverRule.Expired.class
                : TakeoverRule.FreeOnly.class;
    }

    /** Runs one {@link LeaseElector#step()} on the elector's thread; the result is the delay it asks for. */
    Future<Long> stepInBackground(LeaseElector elector) {
        return electorThread.submit(elector::step);
    }

    /** The last snapshot change listeners were given. */
    LeaseSnapshot lastChange() {
        assertThat(changes).as("change notifications").isNotEmpty();
        return changes.get(changes.size() - 1);
    }

    /** Checks the store was used as scripted; ends the elector's thread. */
    void verifyStore() {
        electorThread.shutdownNow();
        store.verifyAllConsumed();
    }

    /** Records what the elector reports, for assertions. */
    static final class RecordingMetrics implements LeaseMetrics {
        final List<AcquireOutcome> acquireAttempts = new CopyOnWriteArrayList<>();
        final List<Boolean> heartbeats = new CopyOnWriteArrayList<>();
        final List<Long> heartbeatLatencies = new CopyOnWriteArrayList<>();
        final List<TransitionKind> transitions = new CopyOnWriteArrayList<>();
        volatile int heartbeatFailures;

        @Override
        public void acquireAttempt(AcquireOutcome outcome) {
            acquireAttempts.add(outcome);
        }

        @Override
        public void heartbeat(long latencyNanos, boolean renewed) {
            heartbeatLatencies.add(latencyNanos);
            heartbeats.add(renewed);
        }

        @Override
        public synchronized void heartbeatFailure() {
            heartbeatFailures++;
        }

        @Override
        public void transition(TransitionKind kind) {
            transitions.add(kind);
        }
    }
}
