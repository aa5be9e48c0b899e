package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonValue;

/** The sidecar's {@code --permit-mode}. */
public enum PermitMode {
    POD("pod"),
    CLAIMS("claims");

    private final String flag;

    PermitMode(String flag) {
        this.flag = flag;
    }

    /** The value as written in the resource and passed to the sidecar. */
    @JsonValue
    public String flag() {
        return flag;
    }
}
