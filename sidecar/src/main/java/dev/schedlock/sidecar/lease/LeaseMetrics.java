package dev.schedlock.sidecar.lease;

import dev.schedlock.sidecar.store.TransitionKind;

/**
 * What the elector reports as it runs. Gauges (leader, token, validity left, …) are read from
 * {@link LeaseSnapshot}s by the binding; this interface carries only events. The core sees only
 * this interface (HikariCP's {@code MetricsTracker} habit); the Micrometer binding lives in
 * {@code metrics/}.
 */
public interface LeaseMetrics {

    /** Result of one acquire attempt. */
    enum AcquireOutcome { ACQUIRED, HELD_BY_OTHER, ERROR }

    void acquireAttempt(AcquireOutcome outcome);

    /** One renewal: how long the statement took and whether it kept the lease. */
    void heartbeat(long latencyNanos, boolean renewed);

    /** A renewal that failed with a store error (not a lost lease). */
    void heartbeatFailure();

    /** A transition of this process's holding. */
    void transition(TransitionKind kind);

    /** Does nothing; for tests and tools. */
    LeaseMetrics NOOP = new LeaseMetrics() {
        @Override
        public void acquireAttempt(AcquireOutcome outcome) {
        }

        @Override
        public void heartbeat(long latencyNanos, boolean renewed) {
        }

        @Override
        public void heartbeatFailure() {
        }

        @Override
        public void transition(TransitionKind kind) {
        }
    };
}
