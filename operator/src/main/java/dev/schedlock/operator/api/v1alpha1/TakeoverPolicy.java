package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonValue;

/** The sidecar's {@code --takeover-policy}. */
public enum TakeoverPolicy {
    STORE_CLOCK("store-clock"),
    OBSERVED("observed");

    private final String flag;

    TakeoverPolicy(String flag) {
        this.flag = flag;
    }

    /** The value as written in the resource and passed to the sidecar. */
    @JsonValue
    public String flag() {
        return flag;
    }
}
