package dev.schedlock.sidecar.lease;

import java.util.Locale;

/** Who in the leading pod receives permits. */
public enum PermitMode {
    /** One scheduling process per pod: every lease query from the leader's pod carries a permit. */
    POD,
    /** Several processes per pod: only the single claim holder has a permit. */
    CLAIMS;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PermitMode parse(String text) {
        for (PermitMode mode : values()) {
            if (mode.name().equalsIgnoreCase(text.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown permit mode '" + text + "': use pod or claims");
    }
}
