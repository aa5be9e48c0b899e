package dev.schedlock.sidecar.lease;

import dev.schedlock.rules.Durations;
import dev.schedlock.rules.LeaseRules;
import dev.schedlock.rules.LeaseSetting.Naming;
import dev.schedlock.rules.LeaseTiming;
import dev.schedlock.rules.LockNames;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Timing and identity of one lease. Inconsistent timing is refused here, before anything runs,
 * with a message that names the value to change (the names are the sidecar's flag names). The
 * rules, their bounds and the defaults are {@link LeaseRules}: the operator checks a
 * {@code SchedulerDeployment} with the same ones.
 *
 * @param lockName          name of the lock row; one database can serve many locks
 * @param ttl               lease duration written into the row; default 60 s (the original requirement)
 * @param heartbeatInterval how often the leader renews; default 10 s (the original requirement)
 * @param retryInterval     how often a candidate tries to acquire, before jitter; default 2 s
 * @param permitTtl         longest validity of one permit; default 10 s
 * @param safetyMargin      subtracted from the TTL for the local deadline; default TTL / 10
 * @param statementTimeout  longest a store statement may take; default
 *                          min(heartbeat, ttl - safetyMargin - heartbeat)
 * @param drainTimeout      how long a release waits for issued permits; default permitTtl + 5 s, at most 1 h
 * @param takeoverPolicy    when a stale row may be taken over; default {@code store-clock}
 * @param permitMode        who gets permits; default {@code pod}
 * @param jitter            retry jitter as a fraction, waits are {@code retry × [1, 1 + jitter]}; default 0.2
 * @param idleStepDown      a leader that has handed out no permit and no claim to its app for this
 *                          long steps down, so that a pod whose app is alive can lead; zero (the
 *                          default) turns it off. The sidecar's own signal file does not count as
 *                          the app asking.
 */
public record LeaseConfig(
        String lockName,
        Duration ttl,
        Duration heartbeatInterval,
        Duration retryInterval,
        Duration permitTtl,
        Duration safetyMargin,
        Duration statementTimeout,
        Duration drainTimeout,
        TakeoverPolicy takeoverPolicy,
        PermitMode permitMode,
        double jitter,
        Duration idleStepDown) {

    public static final String DEFAULT_LOCK_NAME = "default";

    public LeaseConfig {
        Objects.requireNonNull(lockName, "lockName");
        Objects.requireNonNull(takeoverPolicy, "takeoverPolicy");
        Objects.requireNonNull(permitMode, "permitMode");
        requireValidLockName(lockName);
        // LeaseTiming refuses a null duration, naming it.
        List<LeaseRules.Violation> violations = LeaseRules.check(new LeaseTiming(ttl, heartbeatInterval,
                retryInterval, permitTtl, safetyMargin, statementTimeout, drainTimeout, jitter, idleStepDown),
                Naming.FLAG);
        if (!violations.isEmpty()) {
            throw new IllegalArgumentException(violations.get(0).message());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults of the original requirement: heartbeat 10 s, TTL 60 s, retry 2 s, permit 10 s. */
    public static LeaseConfig defaults() {
        return builder().build();
    }

    /**
     * Refuses a lock name that is not 1-128 of {@code [A-Za-z0-9._-]} starting with a letter or
     * digit; the one-shot commands check {@code --lock-name} with this too.
     *
     * @throws IllegalArgumentException naming {@code lock-name}
     */
    public static void requireValidLockName(String lockName) {
        LockNames.require("lock-name", lockName);
    }

    /** True when {@link #idleStepDown()} is set. */
    public boolean idleStepDownEnabled() {
        return !idleStepDown.isZero();
    }

    public long ttlMillis() {
        return ttl.toMillis();
    }

    /** How long after a successful send the lease stays locally valid: {@code ttl - safetyMargin}. */
    public Duration localValidity() {
        return ttl.minus(safetyMargin);
    }

    /** Formats a duration the way flags accept it: {@code 60s}, {@code 1500ms}. */
    public static String fmt(Duration d) {
        return Durations.format(d);
    }

    /** Builder with the documented defaults; unset derived values are computed from the others. */
    public static final class Builder {
        private String lockName = DEFAULT_LOCK_NAME;
        private Duration ttl = LeaseRules.DEFAULT_TTL;
        private Duration heartbeatInterval = LeaseRules.DEFAULT_HEARTBEAT;
        private Duration retryInterval = LeaseRules.DEFAULT_RETRY;
        private Duration permitTtl = LeaseRules.DEFAULT_PERMIT_TTL;
        private Duration safetyMargin;
        private Duration statementTimeout;
        private Duration drainTimeout;
        private TakeoverPolicy takeoverPolicy = TakeoverPolicy.STORE_CLOCK;
        private PermitMode permitMode = PermitMode.POD;
        private double jitter = LeaseRules.DEFAULT_JITTER;
        private Duration idleStepDown = LeaseRules.DEFAULT_IDLE_STEP_DOWN;

        private Builder() {
        }

        public Builder lockName(String value) {
            this.lockName = value;
            return this;
        }

        public Builder ttl(Duration value) {
            this.ttl = value;
            return this;
        }

        public Builder heartbeatInterval(Duration value) {
            this.heartbeatInterval = value;
            return this;
        }

        public Builder retryInterval(Duration value) {
            this.retryInterval = value;
            return this;
        }

        public Builder permitTtl(Duration value) {
            this.permitTtl = value;
            return this;
        }

        public Builder safetyMargin(Duration value) {
            this.safetyMargin = value;
            return this;
        }

        public Builder statementTimeout(Duration value) {
            this.statementTimeout = value;
            return this;
        }

        public Builder drainTimeout(Duration value) {
            this.drainTimeout = value;
            return this;
        }

        public Builder takeoverPolicy(TakeoverPolicy value) {
            this.takeoverPolicy = value;
            return this;
        }

        public Builder permitMode(PermitMode value) {
            this.permitMode = value;
            return this;
        }

        public Builder jitter(double value) {
            this.jitter = value;
            return this;
        }

        /** Zero turns the idle step-down off. */
        public Builder idleStepDown(Duration value) {
            this.idleStepDown = value;
            return this;
        }

        public LeaseConfig build() {
            Objects.requireNonNull(ttl, "ttl");
            Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
            Objects.requireNonNull(permitTtl, "permitTtl");
            Duration margin = safetyMargin != null ? safetyMargin : LeaseRules.defaultSafetyMargin(ttl);
            Duration statement = statementTimeout != null ? statementTimeout
                    : LeaseRules.defaultStatementTimeout(ttl, margin, heartbeatInterval);
            Duration drain = drainTimeout != null ? drainTimeout : LeaseRules.defaultDrainTimeout(permitTtl);
            return new LeaseConfig(lockName, ttl, heartbeatInterval, retryInterval, permitTtl, margin,
                    statement, drain, takeoverPolicy, permitMode, jitter, idleStepDown);
        }
    }
}
