package dev.schedlock.sidecar.lease;

import dev.schedlock.sidecar.store.PrintableText;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Timing and identity of one lease. Inconsistent timing is refused here, before anything runs,
 * with a message that names the value to change (the names are the sidecar's flag names).
 *
 * <p>Rules, and why:
 * <ul>
 *   <li>{@code ttl >= 3 × heartbeat-interval}: two renewals may fail before the lease is lost.</li>
 *   <li>{@code safety-margin < ttl}: the local deadline {@code sentAt + ttl - safetyMargin} must lie
 *       after the send.</li>
 *   <li>{@code heartbeat-interval + statement-timeout <= ttl - safety-margin}: a renewal sent on time
 *       answers or times out before the local deadline, so a hung store is noticed in time.</li>
 *   <li>{@code permit-ttl < ttl}: a permit is always shorter than the lease it comes from.</li>
 *   <li>{@code retry-interval < ttl}: a candidate looks at the row more than once per TTL.</li>
 *   <li>{@code ttl <= 1h} and {@code drain-timeout <= 1h}: a crashed leader is replaced only after
 *       one TTL, and a stopping one waits up to the drain timeout; beyond an hour a value is a typo
 *       (a unit or a zero too many), not a choice. Every other duration is bounded by the TTL.</li>
 *   <li>{@code idle-step-down}, when set: at least {@code ttl}, at least {@code 2 × permit-ttl}, at
 *       most 7 days. An app that keeps its permit asks again at least once per permit TTL, so
 *       twice that leaves room for one late request, and every pod permit has expired by the time
 *       the leader steps down, so it releases at once. At least a TTL, because stepping down for a
 *       quiet app faster than a crashed leader is replaced would only move the lease around more
 *       often (each move is a handoff) without finding a live app any sooner.</li>
 * </ul>
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
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(2);
    public static final Duration DEFAULT_PERMIT_TTL = Duration.ofSeconds(10);
    public static final double DEFAULT_JITTER = 0.2;
    /** Off. */
    public static final Duration DEFAULT_IDLE_STEP_DOWN = Duration.ZERO;
    /** Longest TTL: a crashed leader is replaced only after one TTL. */
    public static final Duration MAX_TTL = Duration.ofHours(1);
    /** Longest drain on step-down or shutdown; a pod's termination grace period must cover it. */
    public static final Duration MAX_DRAIN_TIMEOUT = Duration.ofHours(1);
    /** Longest idle time before a step-down. */
    public static final Duration MAX_IDLE_STEP_DOWN = Duration.ofDays(7);

    private static final Pattern LOCK_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public LeaseConfig {
        Objects.requireNonNull(lockName, "lockName");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(retryInterval, "retryInterval");
        Objects.requireNonNull(permitTtl, "permitTtl");
        Objects.requireNonNull(safetyMargin, "safetyMargin");
        Objects.requireNonNull(statementTimeout, "statementTimeout");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(takeoverPolicy, "takeoverPolicy");
        Objects.requireNonNull(permitMode, "permitMode");
        Objects.requireNonNull(idleStepDown, "idleStepDown");
        validate(lockName, ttl, heartbeatInterval, retryInterval, permitTtl, safetyMargin,
                statementTimeout, drainTimeout, jitter);
        validateIdleStepDown(idleStepDown, ttl, permitTtl);
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
        if (lockName == null || !LOCK_NAME.matcher(lockName).matches()) {
            fail("lock-name " + PrintableText.quote(lockName) + " is not valid: use 1-128 letters, digits, '.', '_'"
                    + " or '-', starting with a letter or digit");
        }
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

    private static void validate(String lockName, Duration ttl, Duration heartbeat, Duration retry,
                                 Duration permitTtl, Duration margin, Duration statementTimeout,
                                 Duration drain, double jitter) {
        requireValidLockName(lockName);
        requirePositive("ttl", ttl);
        requirePositive("heartbeat-interval", heartbeat);
        requirePositive("retry-interval", retry);
        requirePositive("permit-ttl", permitTtl);
        requirePositive("statement-timeout", statementTimeout);
        requireNotNegative("safety-margin", margin);
        requireNotNegative("drain-timeout", drain);
        if (ttl.compareTo(MAX_TTL) > 0) {
            fail("ttl (" + fmt(ttl) + ") must be at most 1h: a crashed leader is replaced only after one ttl;"
                    + " lower ttl (the default is 60s)");
        }
        if (ttl.compareTo(heartbeat.multipliedBy(3)) < 0) {
            fail("ttl (" + fmt(ttl) + ") must be at least 3 × heartbeat-interval (" + fmt(heartbeat)
                    + "): raise ttl to at least " + fmt(heartbeat.multipliedBy(3))
                    + " or lower heartbeat-interval to at most " + fmt(ttl.dividedBy(3)));
        }
        if (margin.compareTo(ttl) >= 0) {
            fail("safety-margin (" + fmt(margin) + ") must be below ttl (" + fmt(ttl)
                    + "): lower safety-margin, e.g. to " + fmt(ttl.dividedBy(10)));
        }
        Duration budget = ttl.minus(margin);
        if (heartbeat.plus(statementTimeout).compareTo(budget) > 0) {
            // When the margin leaves no room after a heartbeat, no statement-timeout can fit.
            Duration statementRoom = budget.minus(heartbeat);
            Duration marginRoom = ttl.minus(heartbeat).minus(statementTimeout);
            String change;
            if (statementRoom.compareTo(Duration.ZERO) > 0) {
                change = "lower statement-timeout to at most " + fmt(statementRoom);
            } else if (!marginRoom.isNegative()) {
                change = "lower safety-margin to at most " + fmt(marginRoom);
            } else {
                change = "lower statement-timeout and safety-margin";
            }
            fail("heartbeat-interval (" + fmt(heartbeat) + ") + statement-timeout (" + fmt(statementTimeout)
                    + ") must not exceed ttl - safety-margin (" + fmt(budget) + "): " + change + " or raise ttl");
        }
        if (permitTtl.compareTo(ttl) >= 0) {
            fail("permit-ttl (" + fmt(permitTtl) + ") must be below ttl (" + fmt(ttl)
                    + "): lower permit-ttl, e.g. to " + fmt(heartbeat));
        }
        if (retry.compareTo(ttl) >= 0) {
            fail("retry-interval (" + fmt(retry) + ") must be below ttl (" + fmt(ttl)
                    + "): lower retry-interval, e.g. to " + fmt(ttl.dividedBy(10)));
        }
        if (drain.compareTo(MAX_DRAIN_TIMEOUT) > 0) {
            fail("drain-timeout (" + fmt(drain) + ") must be at most 1h: a stopping leader waits this long for"
                    + " its permits; lower drain-timeout (the default is permit-ttl + 5s)");
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            fail("jitter (" + jitter + ") must be between 0 and 1");
        }
    }

    private static void validateIdleStepDown(Duration idle, Duration ttl, Duration permitTtl) {
        requireNotNegative("idle-step-down", idle);
        if (idle.isZero()) {
            return; // off
        }
        if (idle.compareTo(MAX_IDLE_STEP_DOWN) > 0) {
            fail("idle-step-down (" + fmt(idle) + ") must be at most 7d: lower it, or leave it off (0s)");
        }
        if (idle.compareTo(ttl) < 0) {
            fail("idle-step-down (" + fmt(idle) + ") must be at least ttl (" + fmt(ttl) + "): stepping down for a"
                    + " quiet app sooner than a crashed leader is replaced only moves the lease more often;"
                    + " raise idle-step-down to at least " + fmt(ttl) + " (e.g. 5m)");
        }
        if (idle.compareTo(permitTtl.multipliedBy(2)) < 0) {
            fail("idle-step-down (" + fmt(idle) + ") must be at least 2 × permit-ttl (" + fmt(permitTtl)
                    + "): an app that keeps its permit asks once per permit-ttl; raise idle-step-down to at least "
                    + fmt(permitTtl.multipliedBy(2)) + " or lower permit-ttl");
        }
    }

    /** Positive, and within what any flag accepts (so that the comparisons do not overflow). */
    private static void requirePositive(String name, Duration value) {
        if (value.isZero() || value.isNegative()) {
            fail(name + " (" + fmt(value) + ") must be positive");
        }
        requireAtMostAnyFlag(name, value);
    }

    private static void requireNotNegative(String name, Duration value) {
        if (value.isNegative()) {
            fail(name + " (" + fmt(value) + ") must not be negative");
        }
        requireAtMostAnyFlag(name, value);
    }

    private static void requireAtMostAnyFlag(String name, Duration value) {
        if (value.compareTo(Durations.MAX) > 0) {
            fail(name + " must be at most " + Durations.MAX.toDays() + "d");
        }
    }

    private static void fail(String message) {
        throw new IllegalArgumentException(message);
    }

    /** Formats a duration the way flags accept it: {@code 60s}, {@code 1500ms}. */
    public static String fmt(Duration d) {
        long millis = d.toMillis();
        if (millis % 1000 == 0) {
            return (millis / 1000) + "s";
        }
        return millis + "ms";
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Builder with the documented defaults; unset derived values are computed from the others. */
    public static final class Builder {
        private String lockName = DEFAULT_LOCK_NAME;
        private Duration ttl = DEFAULT_TTL;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT;
        private Duration retryInterval = DEFAULT_RETRY;
        private Duration permitTtl = DEFAULT_PERMIT_TTL;
        private Duration safetyMargin;
        private Duration statementTimeout;
        private Duration drainTimeout;
        private TakeoverPolicy takeoverPolicy = TakeoverPolicy.STORE_CLOCK;
        private PermitMode permitMode = PermitMode.POD;
        private double jitter = DEFAULT_JITTER;
        private Duration idleStepDown = DEFAULT_IDLE_STEP_DOWN;

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
            Duration margin = safetyMargin != null ? safetyMargin : ttl.dividedBy(10);
            Duration statement = statementTimeout;
            if (statement == null) {
                Duration room = ttl.minus(margin).minus(heartbeatInterval);
                statement = room.compareTo(heartbeatInterval) < 0 ? room : heartbeatInterval;
                if (statement.isNegative() || statement.isZero()) {
                    statement = heartbeatInterval; // validation below reports the real problem
                }
            }
            Duration drain = drainTimeout != null ? drainTimeout : min(permitTtl.plusSeconds(5), MAX_DRAIN_TIMEOUT);
            return new LeaseConfig(lockName, ttl, heartbeatInterval, retryInterval, permitTtl, margin,
                    statement, drain, takeoverPolicy, permitMode, jitter, idleStepDown);
        }
    }
}
