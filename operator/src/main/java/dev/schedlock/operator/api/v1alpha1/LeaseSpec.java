package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.schedlock.rules.Durations;
import dev.schedlock.rules.LeaseRules;
import dev.schedlock.rules.LockNames;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Lease timing, passed to the sidecar as flags. Durations are of schedlock's one grammar
 * ({@link Durations}: {@code 500ms}, {@code 10s}, {@code 1m30s}, {@code 7d}); the rules are the
 * sidecar's ({@link LeaseRules}), written again in CEL for the API server, and in
 * {@code SpecValidator} (which calls {@link LeaseRules}) for API servers that do not run CEL. A test
 * checks on generated cases that the CEL rules and {@link LeaseRules} agree.
 */
@ValidationRule(value = LeaseSpec.TTL + " > duration('0s') && " + LeaseSpec.HEARTBEAT + " > duration('0s') && "
        + LeaseSpec.RETRY + " > duration('0s') && " + LeaseSpec.PERMIT + " > duration('0s')",
        message = "ttl, heartbeatInterval, retryInterval and permitTtl must be positive: e.g. 60s, 10s, 2s and 10s",
        reason = "FieldValueInvalid")
@ValidationRule(value = LeaseSpec.TTL + " - " + LeaseSpec.HEARTBEAT + " - " + LeaseSpec.HEARTBEAT + " - "
        + LeaseSpec.HEARTBEAT + " >= duration('0s')",
        message = "ttl must be at least 3 × heartbeatInterval, so that two renewals may fail before the lease is"
                + " lost: raise ttl or lower heartbeatInterval",
        reason = "FieldValueInvalid")
@ValidationRule(value = LeaseSpec.TTL + " <= duration('" + LeaseRules.MAX_TTL_TEXT + "')",
        message = "ttl must be at most " + LeaseRules.MAX_TTL_TEXT + " (the sidecar refuses more): a crashed leader is"
                + " replaced only after one ttl; lower ttl",
        reason = "FieldValueInvalid")
@ValidationRule(value = LeaseSpec.PERMIT + " < " + LeaseSpec.TTL,
        message = "permitTtl must be below ttl: lower permitTtl (e.g. to heartbeatInterval)",
        reason = "FieldValueInvalid")
@ValidationRule(value = LeaseSpec.RETRY + " < " + LeaseSpec.TTL,
        message = "retryInterval must be below ttl: lower retryInterval (e.g. to ttl / 10)",
        reason = "FieldValueInvalid")
public class LeaseSpec {

    /** Every duration field's OpenAPI pattern: the grammar, in the syntax RE2 and Java share. */
    public static final String DURATION_PATTERN = Durations.PATTERN;

    /*
     * Each field as a CEL duration. CEL's duration() reads Go's syntax, which has no days: a
     * leading "<N>d" (the grammar puts days first, whole) becomes "<N×24>h" before it.
     */
    static final String TTL = "(self.ttl.contains('d')"
            + " ? duration(string(int(self.ttl.substring(0, self.ttl.indexOf('d'))) * 24) + 'h'"
            + " + self.ttl.substring(self.ttl.indexOf('d') + 1))"
            + " : duration(self.ttl))";
    static final String HEARTBEAT = "(self.heartbeatInterval.contains('d')"
            + " ? duration(string(int(self.heartbeatInterval.substring(0, self.heartbeatInterval.indexOf('d'))) * 24) + 'h'"
            + " + self.heartbeatInterval.substring(self.heartbeatInterval.indexOf('d') + 1))"
            + " : duration(self.heartbeatInterval))";
    static final String RETRY = "(self.retryInterval.contains('d')"
            + " ? duration(string(int(self.retryInterval.substring(0, self.retryInterval.indexOf('d'))) * 24) + 'h'"
            + " + self.retryInterval.substring(self.retryInterval.indexOf('d') + 1))"
            + " : duration(self.retryInterval))";
    static final String PERMIT = "(self.permitTtl.contains('d')"
            + " ? duration(string(int(self.permitTtl.substring(0, self.permitTtl.indexOf('d'))) * 24) + 'h'"
            + " + self.permitTtl.substring(self.permitTtl.indexOf('d') + 1))"
            + " : duration(self.permitTtl))";

    @JsonPropertyDescription("Lease duration written into the lease row; a standby takes over a lease whose"
            + " last heartbeat is older than this. At least 3 × heartbeatInterval, at most 1h. Default: 60s.")
    @Pattern(DURATION_PATTERN)
    @Size(min = 1, max = Durations.MAX_LENGTH)
    @Default(LeaseRules.DEFAULT_TTL_TEXT)
    private String ttl;

    @JsonPropertyDescription("How often the leader renews the lease. Default: 10s.")
    @Pattern(DURATION_PATTERN)
    @Size(min = 1, max = Durations.MAX_LENGTH)
    @Default(LeaseRules.DEFAULT_HEARTBEAT_TEXT)
    private String heartbeatInterval;

    @JsonPropertyDescription("How often a standby tries to take the lease (plus jitter). Below ttl. Default: 2s.")
    @Pattern(DURATION_PATTERN)
    @Size(min = 1, max = Durations.MAX_LENGTH)
    @Default(LeaseRules.DEFAULT_RETRY_TEXT)
    private String retryInterval;

    @JsonPropertyDescription("Longest validity of one permit handed to the app. Below ttl. The pod's"
            + " termination grace period is raised to fit permitTtl + 5s of drain. Default: 10s.")
    @Pattern(DURATION_PATTERN)
    @Size(min = 1, max = Durations.MAX_LENGTH)
    @Default(LeaseRules.DEFAULT_PERMIT_TTL_TEXT)
    private String permitTtl;

    @JsonPropertyDescription("Who gets permits: pod (every lease query from the leading pod; one scheduling"
            + " process per pod) or claims (only the process holding the claim). Default: pod.")
    @Default("pod")
    private PermitMode permitMode;

    @JsonPropertyDescription("Name of the lock row. Pods with the same store and lock name share one"
            + " leader. Default: <namespace>.<name> of this resource.")
    @Pattern(LockNames.PATTERN)
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
