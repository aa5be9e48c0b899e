package dev.schedlock.rules;

/** A lease setting, with its name as a sidecar flag and as a field of the CRD's {@code spec.lease}. */
public enum LeaseSetting {
    TTL("ttl", "ttl"),
    HEARTBEAT_INTERVAL("heartbeat-interval", "heartbeatInterval"),
    RETRY_INTERVAL("retry-interval", "retryInterval"),
    PERMIT_TTL("permit-ttl", "permitTtl"),
    SAFETY_MARGIN("safety-margin", "safetyMargin"),
    STATEMENT_TIMEOUT("statement-timeout", "statementTimeout"),
    DRAIN_TIMEOUT("drain-timeout", "drainTimeout"),
    JITTER("jitter", "jitter"),
    IDLE_STEP_DOWN("idle-step-down", "idleStepDown");

    /** Which of the two names messages use. */
    public enum Naming {
        /** The sidecar's flag names: {@code heartbeat-interval}. */
        FLAG,
        /** The CRD's field names: {@code heartbeatInterval}. */
        SPEC
    }

    private final String flag;
    private final String field;

    LeaseSetting(String flag, String field) {
        this.flag = flag;
        this.field = field;
    }

    /** The name as {@code naming} writes it. */
    public String name(Naming naming) {
        return naming == Naming.FLAG ? flag : field;
    }
}
