package dev.schedlock.rules;

import java.time.Duration;
import java.util.Objects;

/**
 * The timing settings of one lease, as {@link LeaseRules} checks them. Every field is the
 * sidecar's setting of the same name; {@link #withDefaults} fills in the ones the CRD does not
 * set the way the sidecar does.
 */
public record LeaseTiming(
        Duration ttl,
        Duration heartbeatInterval,
        Duration retryInterval,
        Duration permitTtl,
        Duration safetyMargin,
        Duration statementTimeout,
        Duration drainTimeout,
        double jitter,
        Duration idleStepDown) {

    public LeaseTiming {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(retryInterval, "retryInterval");
        Objects.requireNonNull(permitTtl, "permitTtl");
        Objects.requireNonNull(safetyMargin, "safetyMargin");
        Objects.requireNonNull(statementTimeout, "statementTimeout");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(idleStepDown, "idleStepDown");
    }

    /**
     * The four settings a {@code SchedulerDeployment} gives, with every other one at the sidecar's
     * default: what a pod of that resource runs with.
     */
    public static LeaseTiming withDefaults(Duration ttl, Duration heartbeat, Duration retry, Duration permitTtl) {
        Duration margin = LeaseRules.defaultSafetyMargin(ttl);
        return new LeaseTiming(ttl, heartbeat, retry, permitTtl, margin,
                LeaseRules.defaultStatementTimeout(ttl, margin, heartbeat), LeaseRules.defaultDrainTimeout(permitTtl),
                LeaseRules.DEFAULT_JITTER, LeaseRules.DEFAULT_IDLE_STEP_DOWN);
    }
}
