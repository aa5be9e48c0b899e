package dev.schedlock.sidecar.metrics;

import dev.schedlock.sidecar.lease.LeaseMetrics;
import dev.schedlock.sidecar.lease.LeaseSnapshot;
import dev.schedlock.sidecar.lease.LeaseState;
import dev.schedlock.sidecar.lease.MonotonicClock;
import dev.schedlock.sidecar.store.TransitionKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Micrometer binding of {@link LeaseMetrics} (HikariCP's {@code MicrometerMetricsTracker} habit):
 * one prefix, a description on every meter, the lock as a tag, meters removed on close. The
 * names here are the contract with the alert rules and the dashboard; docs/metrics.md lists them.
 */
public final class MicrometerLeaseMetrics implements LeaseMetrics, AutoCloseable {

    public static final String LEADER = "schedlock.lease.leader";
    public static final String FENCING_TOKEN = "schedlock.lease.fencing.token";
    public static final String TRANSITIONS = "schedlock.lease.transitions";
    public static final String ACQUIRE_ATTEMPTS = "schedlock.lease.acquire.attempts";
    public static final String HEARTBEAT_LATENCY = "schedlock.lease.heartbeat.latency";
    public static final String HEARTBEAT_FAILURES = "schedlock.lease.heartbeat.failures";
    public static final String SECONDS_SINCE_RENEWAL = "schedlock.lease.seconds.since.renewal";
    public static final String VALIDITY_LEFT = "schedlock.lease.validity.left.seconds";
    public static final String ACTIVE_CLAIMS = "schedlock.lease.claims.active";
    public static final String STATE = "schedlock.lease.state";
    public static final String STORE_CLOCK_OFFSET = "schedlock.store.clock.offset.seconds";

    private static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<TransitionKind, Counter> transitions = new EnumMap<>(TransitionKind.class);
    private final Map<AcquireOutcome, Counter> acquireAttempts = new EnumMap<>(AcquireOutcome.class);
    private final Timer heartbeatLatency;
    private final Counter heartbeatFailures;
    private final java.util.concurrent.atomic.AtomicLong clockOffsetBits =
            new java.util.concurrent.atomic.AtomicLong(Double.doubleToLongBits(Double.NaN));

    public MicrometerLeaseMetrics(MeterRegistry registry, String lockName) {
        this.registry = registry;
        this.tags = Tags.of("lock", lockName);
        for (TransitionKind kind : TransitionKind.values()) {
            transitions.put(kind, register(Counter.builder(TRANSITIONS)
                    .description("Transitions of this sidecar's holding of the lease, by kind")
                    .tags(tags).tag("kind", kind.dbValue())
                    .register(registry)));
        }
        for (AcquireOutcome outcome : AcquireOutcome.values()) {
            acquireAttempts.put(outcome, register(Counter.builder(ACQUIRE_ATTEMPTS)
                    .description("Acquire attempts by result: acquired, held_by_other or error")
                    .tags(tags).tag("result", outcome.name().toLowerCase(Locale.ROOT))
                    .register(registry)));
        }
        this.heartbeatLatency = register(Timer.builder(HEARTBEAT_LATENCY)
                .description("Time a lease renewal statement took, from send to answer")
                .tags(tags)
                // Explicit buckets: a dozen series instead of ~70, enough for latency quantiles
                // between 1 ms and the longest sensible statement timeout.
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry));
        this.heartbeatFailures = register(Counter.builder(HEARTBEAT_FAILURES)
                .description("Renewals that failed with a store error (the lease may still be valid)")
                .tags(tags)
                .register(registry));
        register(Gauge.builder(STORE_CLOCK_OFFSET, () -> Double.longBitsToDouble(clockOffsetBits.get()))
                .description("Store clock minus this host's wall clock, in seconds (NaN until measured);"
                        + " expiry is judged by the store's clock")
                .tags(tags).register(registry));
    }

    /** Records the latest measured offset between the store's clock and the local wall clock. */
    public void storeClockOffset(double seconds) {
        clockOffsetBits.set(Double.doubleToLongBits(seconds));
    }

    /** Registers the gauges that read the elector's current snapshot. */
    public void bindSnapshot(Supplier<LeaseSnapshot> snapshots, MonotonicClock clock) {
        register(Gauge.builder(LEADER, () -> snapshots.get().isLeader(clock.nanoTime()) ? 1 : 0)
                .description("1 while this sidecar holds a locally valid lease, else 0")
                .tags(tags).register(registry));
        register(Gauge.builder(FENCING_TOKEN, () -> snapshots.get().fencingToken())
                .description("Fencing token of this sidecar's holding, or of the holding it last saw")
                .tags(tags).register(registry));
        register(Gauge.builder(SECONDS_SINCE_RENEWAL, () -> {
                    LeaseSnapshot s = snapshots.get();
                    if (s.state() != LeaseState.LEADER || s.lastRenewalNanos() == 0) {
                        return Double.NaN;
                    }
                    return (clock.nanoTime() - s.lastRenewalNanos()) / 1e9;
                })
                .description("Seconds since the last successful acquire or renewal while leading (NaN otherwise)")
                .tags(tags).register(registry));
        register(Gauge.builder(VALIDITY_LEFT, () -> snapshots.get().validityLeftMillis(clock.nanoTime()) / 1000.0)
                .description("Seconds of local lease validity left; 0 when not leading")
                .tags(tags).register(registry));
        register(Gauge.builder(ACTIVE_CLAIMS, () -> snapshots.get().activeClaims())
                .description("Unexpired executor claims in this pod (0 or 1)")
                .tags(tags).register(registry));
        for (LeaseState state : LeaseState.values()) {
            register(Gauge.builder(STATE, () -> snapshots.get().state() == state ? 1 : 0)
                    .description("1 for the elector's current state, 0 for the others")
                    .tags(tags).tag("state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry));
        }
    }

    private <M extends Meter> M register(M meter) {
        meters.add(meter);
        return meter;
    }

    @Override
    public void acquireAttempt(AcquireOutcome outcome) {
        acquireAttempts.get(outcome).increment();
    }

    @Override
    public void heartbeat(long latencyNanos, boolean renewed) {
        heartbeatLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void heartbeatFailure() {
        heartbeatFailures.increment();
    }

    @Override
    public void transition(TransitionKind kind) {
        transitions.get(kind).increment();
    }

    @Override
    public void close() {
        for (Meter meter : meters) {
            registry.remove(meter);
        }
        meters.clear();
    }
}
