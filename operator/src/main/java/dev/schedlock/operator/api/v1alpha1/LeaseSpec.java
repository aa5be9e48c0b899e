package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Lease timing, passed to the sidecar as flags. Durations are Go/CEL durations ({@code 500ms},
 * {@code 10s}, {@code 1m30s}) so that the API server's CEL rules can compare them; the same rules
 * live in {@code SpecValidator} for API servers that do not run CEL.
 */
@ValidationRule(value = "duration(self.ttl) - duration(self.heartbeatInterval) - duration(self.heartbeatInterval)"
        + " - duration(self.heartbeatInterval) >= duration('0s')",
        message = "ttl must be at least 3 × heartbeatInterval, so that two renewals may fail before the lease is"
                + " lost: raise ttl or lower heartbeatInterval",
        reason = "FieldValueInvalid")
@ValidationRule(value = "duration(self.ttl) <= duration('1h')",
        message = "ttl must be at most 1h (the sidecar refuses more): a crashed leader is replaced only after one"
                + " ttl; lower ttl",
        reason = "FieldValueInvalid")
@ValidationRule(value = "duration(self.permitTtl) < duration(self.ttl)",
        message = "permitTtl must be below ttl: lower permitTtl (e.g. to heartbeatInterval)",
        reason = "FieldValueInvalid")
@ValidationRule(value = "duration(self.retryInterval) < duration(self.ttl)",
        message = "retryInterval must be below ttl: lower retryInterval (e.g. to ttl / 10)",
        reason = "FieldValueInvalid")
public class LeaseSpec {

    /** A Go duration as CEL's {@code duration()} parses it; the sidecar gets it normalised. */
    public static final String DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

    @JsonPropertyDescription("Lease duration written into the lease row; a standby takes over a lease whose"
            + " last heartbeat is older than this. At least 3 × heartbeatInterval, at most 1h. Default: 60s.")
    @Pattern(DURATION_PATTERN)
    @Size(max = 32)
    @Default("60s")
    private String ttl;

    @JsonPropertyDescription("How often the leader renews the lease. Default: 10s.")
    @Pattern(DURATION_PATTERN)
    @Size(max = 32)
    @Default("10s")
    private String heartbeatInterval;

    @JsonPropertyDescription("How often a standby tries to take the lease (plus jitter). Below ttl. Default: 2s.")
    @Pattern(DURATION_PATTERN)
    @Size(max = 32)
    @Default("2s")
    private String retryInterval;

    @JsonPropertyDescription("Longest validity of one permit handed to the app. Below ttl. The pod's"
            + " termination grace period is raised to fit permitTtl + 5s of drain. Default: 10s.")
    @Pattern(DURATION_PATTERN)
    @Size(max = 32)
    @Default("10s")
    private String permitTtl;

    @JsonPropertyDescription("Who gets permits: pod (every lease query from the leading pod; one scheduling"
            + " process per pod) or claims (only the process holding the claim). Default: pod.")
    @Default("pod")
    private PermitMode permitMode;

    @JsonPropertyDescription("Name of the lock row. Pods with the same store and lock name share one"
            + " leader. Default: <namespace>.<name> of this resource.")
    @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
    private String lockName;

    @JsonPropertyDescription("When an expired lease may be taken over: store-clock (as soon as the store's"
            + " clock says it expired) or observed (also after watching it unchanged for one ttl; survives"
            + " clock jumps, slower after a crash). Default: store-clock.")
    @Default("store-clock")
    private TakeoverPolicy takeoverPolicy;

    public String getTtl() {
        return ttl;
    }

    public void setTtl(String ttl) {
        this.ttl = ttl;
    }

    public String getHeartbeatInterval() {
        return heartbeatInterval;
    }

    public void setHeartbeatInterval(String heartbeatInterval) {
        this.heartbeatInterval = heartbeatInterval;
    }

    public String getRetryInterval() {
        return retryInterval;
    }

    public void setRetryInterval(String retryInterval) {
        this.retryInterval = retryInterval;
    }

    public String getPermitTtl() {
        return permitTtl;
    }

    public void setPermitTtl(String permitTtl) {
        this.permitTtl = permitTtl;
    }

    public PermitMode getPermitMode() {
        return permitMode;
    }

    public void setPermitMode(PermitMode permitMode) {
        this.permitMode = permitMode;
    }

    public String getLockName() {
        return lockName;
    }

    public void setLockName(String lockName) {
        this.lockName = lockName;
    }

    public TakeoverPolicy getTakeoverPolicy() {
        return takeoverPolicy;
    }

    public void setTakeoverPolicy(TakeoverPolicy takeoverPolicy) {
        this.takeoverPolicy = takeoverPolicy;
    }
}
