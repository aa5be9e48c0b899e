package dev.schedlock.sidecar.store;

/**
 * Wakes a waiting candidate when the holder of its lock releases, so that it need not wait for its
 * next retry. Made not started by {@link LeaseStore#releaseWatch}; it only reads, and a watch that
 * cannot reach the store costs candidates nothing but that wait: they acquire at their next retry.
 */
public interface ReleaseWatch extends AutoCloseable {

    /** Watches nothing: for a store that cannot tell of a release. */
    ReleaseWatch NONE = new ReleaseWatch() {
        @Override
        public void start() {
        }

        @Override
        public void close() {
        }
    };

    void start();

    /**
     * True while this watch is connected and would report a release now; false before it
     * connected, while it reconnects after a failure, and for {@link #NONE}. It reports a release
     * that it may have missed meanwhile once it is connected again.
     */
    default boolean isLive() {
        return false;
    }

    /** Stops watching. */
    @Override
    void close();
}
