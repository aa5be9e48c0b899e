package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.PermitMode;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.TakeoverPolicy;
import dev.schedlock.rules.Durations;
import dev.schedlock.rules.LeaseRules;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code spec.lease} with every default filled in. The defaults repeat the CRD's, because an API
 * server applies schema defaults but a client-built object (or the test server) may not have them.
 *
 * @param drainTimeout how long the sidecar waits for issued permits on shutdown: the sidecar's own
 *                     default ({@link LeaseRules#defaultDrainTimeout})
 */
public record LeaseSettings(
        Duration ttl,
        Duration heartbeatInterval,
        Duration retryInterval,
        Duration permitTtl,
        PermitMode permitMode,
        TakeoverPolicy takeoverPolicy,
        String lockName,
        Duration drainTimeout) {

    /**
     * Resolves the resource's lease settings.
     *
     * @throws IllegalArgumentException if a duration does not parse; {@link SpecValidator} reports that first
     */
    public static LeaseSettings of(SchedulerDeployment sd) {
        LeaseSpec lease = Optional.ofNullable(sd.getSpec().getLease()).orElseGet(LeaseSpec::new);
        Duration permitTtl = Durations.parse(or(lease.getPermitTtl(), LeaseRules.DEFAULT_PERMIT_TTL_TEXT));
        return new LeaseSettings(
                Durations.parse(or(lease.getTtl(), LeaseRules.DEFAULT_TTL_TEXT)),
                Durations.parse(or(lease.getHeartbeatInterval(), LeaseRules.DEFAULT_HEARTBEAT_TEXT)),
                Durations.parse(or(lease.getRetryInterval(), LeaseRules.DEFAULT_RETRY_TEXT)),
                permitTtl,
                Optional.ofNullable(lease.getPermitMode()).orElse(PermitMode.POD),
                Optional.ofNullable(lease.getTakeoverPolicy()).orElse(TakeoverPolicy.STORE_CLOCK),
                lease.getLockName() != null ? lease.getLockName() : Names.defaultLockName(sd),
                LeaseRules.defaultDrainTimeout(permitTtl));
    }

    private static String or(String value, String fallback) {
        return value != null ? value : fallback;
    }
}
