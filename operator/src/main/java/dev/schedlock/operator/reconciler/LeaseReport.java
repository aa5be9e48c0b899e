package dev.schedlock.operator.reconciler;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A sidecar's answer on its status port, {@code GET /v1/lease} (read-only: never a permit).
 *
 * @param leader this pod holds a locally valid lease
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LeaseReport(String lockName, String state, boolean leader, long fencingToken, Holder holder,
                          long version) {

    /** Who holds the lease as far as this sidecar knows; fields are null when nobody does. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Holder(String id, String pod, String host) {
    }

    /** The holder id, or null. */
    public String holderId() {
        return holder != null ? holder.id() : null;
    }
}
