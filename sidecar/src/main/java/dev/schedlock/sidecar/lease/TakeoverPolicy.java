package dev.schedlock.sidecar.lease;

import java.util.Locale;

/** When a candidate may take over a lock row that another holder has not released. */
public enum TakeoverPolicy {

    /**
     * Take over a row as soon as it is expired by the store's clock ({@code heartbeat_at + ttl_ms}
     * is in the past). Gives the immediate stale cleanup at start-up; trusts the store's clock not
     * to jump.
     */
    STORE_CLOCK,

    /**
     * Take over an expired row only after this candidate has also seen it unchanged for a full
     * TTL on its own monotonic clock (client-go's rule). Survives wall-clock jumps, costs one
     * TTL of waiting after a crash.
     */
    OBSERVED;

    /** The name used in flags and configuration: {@code store-clock} or {@code observed}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code store-clock} / {@code observed} (case-insensitive). */
    public static TakeoverPolicy parse(String text) {
        for (TakeoverPolicy policy : values()) {
            if (policy.cliName().equalsIgnoreCase(text.trim()) || policy.name().equalsIgnoreCase(text.trim())) {
                return policy;
            }
        }
        throw new IllegalArgumentException(
                "unknown takeover policy '" + text + "': use store-clock or observed");
    }
}
