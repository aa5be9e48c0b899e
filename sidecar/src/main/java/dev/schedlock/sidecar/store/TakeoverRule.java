package dev.schedlock.sidecar.store;

/**
 * What an acquire may take, beyond a free row (holder NULL or no row), which it may always take,
 * and the caller's own row, which it may always take back with a new token.
 */
public sealed interface TakeoverRule {

    /** Only a free row. */
    record FreeOnly() implements TakeoverRule {
    }

    /** A row expired by the store's clock ({@code store-clock} policy). */
    record Expired() implements TakeoverRule {
    }

    /**
     * A row expired by the store's clock that is still exactly the holding the caller observed
     * unchanged for a full TTL ({@code observed} policy): same holder, token and heartbeat.
     */
    record ExpiredAndUnchanged(String holderId, long fencingToken, long heartbeatAtMs) implements TakeoverRule {
    }

    static TakeoverRule freeOnly() {
        return new FreeOnly();
    }

    static TakeoverRule expired() {
        return new Expired();
    }

    static TakeoverRule expiredAndUnchanged(LockRow observed) {
        return new ExpiredAndUnchanged(observed.holderId(), observed.fencingToken(), observed.heartbeatAtMs());
    }
}
