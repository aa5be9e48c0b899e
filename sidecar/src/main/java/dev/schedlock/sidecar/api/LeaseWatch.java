package dev.schedlock.sidecar.api;

import dev.schedlock.sidecar.lease.LeaseElector;
import java.util.concurrent.TimeUnit;

/**
 * Lets HTTP threads wait for the next lease change (long-poll, server-sent events). The elector
 * notifies it on every change, including a revocation at the deadline, so waiters learn of it in
 * milliseconds.
 *
 * <p>The elector calls the listener under its own lock, so waiters here never call the elector
 * while holding this monitor; they wait on the version the listener recorded.
 */
final class LeaseWatch {

    private final Object monitor = new Object();
    private long latestVersion;
    private boolean closed;

    LeaseWatch(LeaseElector elector) {
        synchronized (monitor) {
            latestVersion = elector.snapshot().version();
        }
        elector.onChange(s -> {
            synchronized (monitor) {
                latestVersion = Math.max(latestVersion, s.version());
                monitor.notifyAll();
            }
        });
    }

    /**
     * Waits until the lease version differs from {@code version}, or the timeout passes, or the
     * watch is closed.
     *
     * @return true when the version changed
     */
    boolean awaitChange(long version, long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        synchronized (monitor) {
            while (true) {
                if (latestVersion != version) {
                    return true;
                }
                long left = end - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(monitor, left);
            }
        }
    }

    boolean isClosed() {
        synchronized (monitor) {
            return closed;
        }
    }

    /** Wakes every waiter; used at shutdown. */
    void close() {
        synchronized (monitor) {
            closed = true;
            monitor.notifyAll();
        }
    }
}
