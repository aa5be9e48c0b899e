package dev.schedlock.sidecar.lease;

/** The elector's state, as reported to the pod. */
public enum LeaseState {
    /** Waiting for the lease; another holder has it or it is being contended. */
    STANDBY,
    /** This process holds a locally valid lease and may grant permits. */
    LEADER,
    /** Stepping down: no new permits; the store row is released once issued permits are gone. */
    RELEASING,
    /** The store is failing or a renewal missed its deadline; no permits until the store answers. */
    DEGRADED,
    /** The elector has stopped (process shutting down). */
    STOPPED
}
