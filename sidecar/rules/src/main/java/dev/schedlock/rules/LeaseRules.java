package dev.schedlock.rules;

import static dev.schedlock.rules.Durations.format;

import dev.schedlock.rules.LeaseSetting.Naming;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The lease's timing rules, their bounds and defaults: the sidecar refuses a configuration that
 * breaks one before anything runs, and the operator refuses a {@code SchedulerDeployment} whose
 * pods the sidecar would refuse. The CRD's CEL rules say the same for the settings it has; a test
 * checks that both give the same verdict.
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
 */
public final class LeaseRules {

    /** Default lease duration (the original requirement), as the CRD's default writes it. */
    public static final String DEFAULT_TTL_TEXT = "60s";
    /** Default renewal interval (the original requirement). */
    public static final String DEFAULT_HEARTBEAT_TEXT = "10s";
    /** Default interval between a candidate's attempts, before jitter. */
    public static final String DEFAULT_RETRY_TEXT = "2s";
    /** Default longest validity of one permit. */
    public static final String DEFAULT_PERMIT_TTL_TEXT = "10s";
    /** Longest TTL, as the CRD's CEL rule writes it. */
    public static final String MAX_TTL_TEXT = "1h";

    public static final Duration DEFAULT_TTL = Durations.parse(DEFAULT_TTL_TEXT);
    public static final Duration DEFAULT_HEARTBEAT = Durations.parse(DEFAULT_HEARTBEAT_TEXT);
    public static final Duration DEFAULT_RETRY = Durations.parse(DEFAULT_RETRY_TEXT);
    public static final Duration DEFAULT_PERMIT_TTL = Durations.parse(DEFAULT_PERMIT_TTL_TEXT);
    public static final double DEFAULT_JITTER = 0.2;
    /** Off. */
    public static final Duration DEFAULT_IDLE_STEP_DOWN = Duration.ZERO;
    /** The TTL is at least this many heartbeat intervals. */
    public static final int HEARTBEATS_PER_TTL = 3;
    /** Longest TTL: a crashed leader is replaced only after one TTL. */
    public static final Duration MAX_TTL = Durations.parse(MAX_TTL_TEXT);
    /** Longest drain on step-down or shutdown; a pod's termination grace period must cover it. */
    public static final Duration MAX_DRAIN_TIMEOUT = Duration.ofHours(1);
    /** Longest idle time before a step-down. */
    public static final Duration MAX_IDLE_STEP_DOWN = Duration.ofDays(7);
    /**
     * What the default drain allows beyond the permit TTL: a permit handed out just before the
     * drain starts expires within one permit TTL, and the release statement needs a moment more.
     */
    public static final Duration DRAIN_ALLOWANCE = Duration.ofSeconds(5);

    private LeaseRules() {
    }

    /** Default safety margin: a tenth of the TTL. */
    public static Duration defaultSafetyMargin(Duration ttl) {
        return ttl.dividedBy(10);
    }

    /**
     * Default statement timeout: {@code min(heartbeat, ttl - safetyMargin - heartbeat)}, so that a
     * renewal sent on time ends before the local deadline. When that is not positive, whichever of
     * the two is, so that {@link #check} reports the setting to change, not this derived one.
     */
    public static Duration defaultStatementTimeout(Duration ttl, Duration safetyMargin, Duration heartbeat) {
        Duration room = ttl.minus(safetyMargin).minus(heartbeat);
        Duration statement = min(room, heartbeat);
        if (isPositive(statement)) {
            return statement;
        }
        return isPositive(heartbeat) ? heartbeat : room;
    }

    private static boolean isPositive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    /** Default drain: {@code permitTtl +} {@link #DRAIN_ALLOWANCE}, at most {@link #MAX_DRAIN_TIMEOUT}. */
    public static Duration defaultDrainTimeout(Duration permitTtl) {
        return min(permitTtl.plus(DRAIN_ALLOWANCE), MAX_DRAIN_TIMEOUT);
    }

    /**
     * Every rule {@code timing} breaks, each with a message that names the setting to change (as
     * {@code naming} writes names) and says what to write. When a value is out of range on its own
     * (not positive, above 3650 days, jitter outside [0, 1]) only those are reported: the relations
     * between values would say nothing useful. Empty when the sidecar accepts {@code timing}.
     */
    public static List<Violation> check(LeaseTiming timing, Naming naming) {
        return new Check(timing, naming).run();
    }

    /** One broken rule. */
    public record Violation(LeaseSetting setting, String message) {
        @Override
        public String toString() {
            return message;
        }
    }

    private static final class Check {
        private final LeaseTiming t;
        private final Naming naming;
        private final List<Violation> found = new ArrayList<>();

        Check(LeaseTiming t, Naming naming) {
            this.t = t;
            this.naming = naming;
        }

        List<Violation> run() {
            checkRanges();
            if (found.isEmpty()) {
                checkRelations();
                checkIdleStepDown();
            }
            return List.copyOf(found);
        }

        private void checkRanges() {
            positive(LeaseSetting.TTL, t.ttl());
            positive(LeaseSetting.HEARTBEAT_INTERVAL, t.heartbeatInterval());
            positive(LeaseSetting.RETRY_INTERVAL, t.retryInterval());
            positive(LeaseSetting.PERMIT_TTL, t.permitTtl());
            positive(LeaseSetting.STATEMENT_TIMEOUT, t.statementTimeout());
            notNegative(LeaseSetting.SAFETY_MARGIN, t.safetyMargin());
            notNegative(LeaseSetting.DRAIN_TIMEOUT, t.drainTimeout());
            notNegative(LeaseSetting.IDLE_STEP_DOWN, t.idleStepDown());
            if (!(t.jitter() >= 0.0 && t.jitter() <= 1.0)) {
                add(LeaseSetting.JITTER, n(LeaseSetting.JITTER) + " (" + t.jitter() + ") must be between 0 and 1");
            }
        }

        private void checkRelations() {
            Duration ttl = t.ttl();
            Duration heartbeat = t.heartbeatInterval();
            Duration margin = t.safetyMargin();
            String ttlName = n(LeaseSetting.TTL);
            String heartbeatName = n(LeaseSetting.HEARTBEAT_INTERVAL);
            if (ttl.compareTo(MAX_TTL) > 0) {
                add(LeaseSetting.TTL, show(LeaseSetting.TTL, ttl) + " must be at most " + MAX_TTL_TEXT
                        + ": a crashed leader is replaced only after one " + ttlName + "; lower " + ttlName
                        + " to at most " + MAX_TTL_TEXT + " (the default is " + DEFAULT_TTL_TEXT + ")");
            }
            Duration minTtl = heartbeat.multipliedBy(HEARTBEATS_PER_TTL);
            if (ttl.compareTo(minTtl) < 0) {
                add(LeaseSetting.TTL, show(LeaseSetting.TTL, ttl) + " must be at least " + HEARTBEATS_PER_TTL + " × "
                        + show(LeaseSetting.HEARTBEAT_INTERVAL, heartbeat) + ", so that two renewals may fail before"
                        + " the lease is lost: raise " + ttlName + " to at least " + format(minTtl) + " or lower "
                        + heartbeatName + " to at most " + format(ttl.dividedBy(HEARTBEATS_PER_TTL)));
            }
            if (margin.compareTo(ttl) >= 0) {
                add(LeaseSetting.SAFETY_MARGIN, show(LeaseSetting.SAFETY_MARGIN, margin) + " must be below "
                        + show(LeaseSetting.TTL, ttl) + ": lower " + n(LeaseSetting.SAFETY_MARGIN) + ", e.g. to "
                        + format(defaultSafetyMargin(ttl)));
            } else {
                checkStatementBudget();
            }
            if (t.permitTtl().compareTo(ttl) >= 0) {
                add(LeaseSetting.PERMIT_TTL, show(LeaseSetting.PERMIT_TTL, t.permitTtl()) + " must be below "
                        + show(LeaseSetting.TTL, ttl) + ": lower " + n(LeaseSetting.PERMIT_TTL) + ", e.g. to "
                        + format(heartbeat));
            }
            if (t.retryInterval().compareTo(ttl) >= 0) {
                add(LeaseSetting.RETRY_INTERVAL, show(LeaseSetting.RETRY_INTERVAL, t.retryInterval())
                        + " must be below " + show(LeaseSetting.TTL, ttl) + ": lower " + n(LeaseSetting.RETRY_INTERVAL)
                        + ", e.g. to " + format(ttl.dividedBy(10)));
            }
            if (t.drainTimeout().compareTo(MAX_DRAIN_TIMEOUT) > 0) {
                add(LeaseSetting.DRAIN_TIMEOUT, show(LeaseSetting.DRAIN_TIMEOUT, t.drainTimeout())
                        + " must be at most 1h: a stopping leader waits this long for its permits; lower "
                        + n(LeaseSetting.DRAIN_TIMEOUT) + " (the default is " + n(LeaseSetting.PERMIT_TTL) + " + "
                        + format(DRAIN_ALLOWANCE) + ")");
            }
        }

        private void checkStatementBudget() {
            Duration heartbeat = t.heartbeatInterval();
            Duration statement = t.statementTimeout();
            Duration budget = t.ttl().minus(t.safetyMargin());
            if (heartbeat.plus(statement).compareTo(budget) <= 0) {
                return;
            }
            // When the margin leaves no room after a heartbeat, no statement-timeout can fit.
            Duration statementRoom = budget.minus(heartbeat);
            Duration marginRoom = t.ttl().minus(heartbeat).minus(statement);
            String statementName = n(LeaseSetting.STATEMENT_TIMEOUT);
            String marginName = n(LeaseSetting.SAFETY_MARGIN);
            String change;
            if (statementRoom.compareTo(Duration.ZERO) > 0) {
                change = "lower " + statementName + " to at most " + format(statementRoom);
            } else if (!marginRoom.isNegative()) {
                change = "lower " + marginName + " to at most " + format(marginRoom);
            } else {
                change = "lower " + statementName + " and " + marginName;
            }
            add(LeaseSetting.STATEMENT_TIMEOUT, show(LeaseSetting.HEARTBEAT_INTERVAL, heartbeat) + " + "
                    + show(LeaseSetting.STATEMENT_TIMEOUT, statement) + " must not exceed " + n(LeaseSetting.TTL)
                    + " - " + marginName + " (" + format(budget) + "): " + change + " or raise " + n(LeaseSetting.TTL));
        }

        private void checkIdleStepDown() {
            Duration idle = t.idleStepDown();
            if (idle.isZero()) {
                return; // off
            }
            String idleName = n(LeaseSetting.IDLE_STEP_DOWN);
            if (idle.compareTo(MAX_IDLE_STEP_DOWN) > 0) {
                add(LeaseSetting.IDLE_STEP_DOWN, show(LeaseSetting.IDLE_STEP_DOWN, idle)
                        + " must be at most 7d: lower it, or leave it off (0s)");
            }
            if (idle.compareTo(t.ttl()) < 0) {
                add(LeaseSetting.IDLE_STEP_DOWN, show(LeaseSetting.IDLE_STEP_DOWN, idle) + " must be at least "
                        + show(LeaseSetting.TTL, t.ttl()) + ": stepping down for a quiet app sooner than a crashed"
                        + " leader is replaced only moves the lease more often; raise " + idleName + " to at least "
                        + format(t.ttl()) + " (e.g. 5m)");
            }
            Duration twoPermits = t.permitTtl().multipliedBy(2);
            if (idle.compareTo(twoPermits) < 0) {
                add(LeaseSetting.IDLE_STEP_DOWN, show(LeaseSetting.IDLE_STEP_DOWN, idle) + " must be at least 2 × "
                        + show(LeaseSetting.PERMIT_TTL, t.permitTtl()) + ": an app that keeps its permit asks once per "
                        + n(LeaseSetting.PERMIT_TTL) + "; raise " + idleName + " to at least " + format(twoPermits)
                        + " or lower " + n(LeaseSetting.PERMIT_TTL));
            }
        }

        /** Positive, and within {@link Durations#MAX} (so that the comparisons do not overflow). */
        private void positive(LeaseSetting setting, Duration value) {
            if (value.isZero() || value.isNegative()) {
                add(setting, show(setting, value) + " must be positive");
            } else {
                atMostAny(setting, value);
            }
        }

        private void notNegative(LeaseSetting setting, Duration value) {
            if (value.isNegative()) {
                add(setting, show(setting, value) + " must not be negative");
            } else {
                atMostAny(setting, value);
            }
        }

        private void atMostAny(LeaseSetting setting, Duration value) {
            if (value.compareTo(Durations.MAX) > 0) {
                add(setting, n(setting) + " must be at most " + Durations.MAX.toDays() + "d");
            }
        }

        private String n(LeaseSetting setting) {
            return setting.name(naming);
        }

        /** {@code ttl (60s)}. */
        private String show(LeaseSetting setting, Duration value) {
            return n(setting) + " (" + format(value) + ")";
        }

        private void add(LeaseSetting setting, String message) {
            found.add(new Violation(setting, message));
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
