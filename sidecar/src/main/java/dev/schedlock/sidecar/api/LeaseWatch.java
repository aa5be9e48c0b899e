package dev.schedlock.sidecar.api;

import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseSnapshot;
import java.util.concurrent.TimeUnit;

/**
 * Lets HTTP threads wait for the next lease change (long-poll, server-sent events). The elector
 * notifies it on every change, including a revocation at the deadline, so waiters learn of it in
 * milliseconds.
 */
final class LeaseWatch {

    private final LeaseElector elector;
    private final Object monitor = new Object();
    private volatile boolean closed;

    LeaseWatch(LeaseElector elector) {
        this.elector = elector;
        elector.onChange(s -> {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        });
    }

    /**
     * Waits until the snapshot's version differs from {@code version}, or the timeout passes.
     *
     * @return the newest snapshot (changed or not)
     */
    LeaseSnapshot awaitChange(long version, long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        synchronized (monitor) {
            while (true) {
                LeaseSnapshot current = elector.snapshot();
                long left = end - System.nanoTime();
                if (current.version() != version || left <= 0 || closed) {
                    return current;
                }
                TimeUnit.NANOSECONDS.timedWait(monitor, left);
            }
        }
    }

    /** Wakes every waiter; used at shutdown. */
    void close() {
        closed = true;
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }
}
