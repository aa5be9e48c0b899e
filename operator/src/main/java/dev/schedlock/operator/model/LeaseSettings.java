package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.PermitMode;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.TakeoverPolicy;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code spec.lease} with every default filled in. The defaults repeat the CRD's, because an API
 * server applies schema defaults but a client-built object (or the test server) may not have them.
 *
 * @param drainTimeout how long the sidecar waits for issued permits on shutdown: permitTtl + 5 s, the
 *                     sidecar's own default
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

    public static final String DEFAULT_TTL = "60s";
    public static final String DEFAULT_HEARTBEAT = "10s";
    public static final String DEFAULT_RETRY = "2s";
    public static final String DEFAULT_PERMIT_TTL = "10s";
    static final Duration DRAIN_BEYOND_PERMIT = Duration.ofSeconds(5);

    /**
     * Resolves the resource's lease settings.
     *
     * @throws IllegalArgumentException if a duration does not parse; {@link SpecValidator} reports that first
     */
    public static LeaseSettings of(SchedulerDeployment sd) {
        LeaseSpec lease = Optional.ofNullable(sd.getSpec().getLease()).orElseGet(LeaseSpec::new);
        Duration permitTtl = GoDurations.parse(or(lease.getPermitTtl(), DEFAULT_PERMIT_TTL));
        return new LeaseSettings(
                GoDurations.parse(or(lease.getTtl(), DEFAULT_TTL)),
                GoDurations.parse(or(lease.getHeartbeatInterval(), DEFAULT_HEARTBEAT)),
                GoDurations.parse(or(lease.getRetryInterval(), DEFAULT_RETRY)),
                permitTtl,
                Optional.ofNullable(lease.getPermitMode()).orElse(PermitMode.POD),
                Optional.ofNullable(lease.getTakeoverPolicy()).orElse(TakeoverPolicy.STORE_CLOCK),
                lease.getLockName() != null ? lease.getLockName() : Names.defaultLockName(sd),
                permitTtl.plus(DRAIN_BEYOND_PERMIT));
    }

    private static String or(String value, String fallback) {
        return value != null ? value : fallback;
    }
}
