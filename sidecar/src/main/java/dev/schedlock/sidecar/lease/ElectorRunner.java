package dev.schedlock.sidecar.lease;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs a {@link LeaseElector} on real threads: one worker makes the store calls, one timer revokes
 * at the local deadline even while the worker is stuck in a store call.
 *
 * <p>Shutdown drains: it stops granting, waits until every issued permit was returned or expired
 * (bounded by the drain timeout), and only then releases the row, so the next candidate can lead
 * at once without ever overlapping an old permit.
 *
 * <p>A planned step-down ({@link #requestStepDown()}, or a leader idle for
 * {@link LeaseConfig#idleStepDown()}) drains and releases the same way, then stands by briefly so
 * that another candidate can lead.
 */
public final class ElectorRunner implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ElectorRunner.class.getName());

    private final LeaseElector elector;
    private final ReentrantLock storeLock = new ReentrantLock();
    private final Object signal = new Object();
    private final ScheduledExecutorService deadlineTimer;
    private final Thread worker;
    private volatile boolean stopping;
    private volatile boolean stepDownRequested;
    private boolean woken;
    /** Counts change notifications, so a waiter that read the elector outside the lock misses none. */
    private long changes;
    private ScheduledFuture<?> deadlineTask;

    public ElectorRunner(LeaseElector elector) {
        this.elector = Objects.requireNonNull(elector, "elector");
        this.deadlineTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "schedlock-deadline");
            t.setDaemon(true);
            return t;
        });
        this.worker = new Thread(this::loop, "schedlock-elector");
        this.worker.setDaemon(true);
        elector.onChange(s -> signalAll());
    }

    public LeaseElector elector() {
        return elector;
    }

    public void start() {
        worker.start();
    }

    /** Ends the current wait early: a release was announced, or a step-down was asked for. */
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    private void signalAll() {
        // Called under the elector's lock: only this monitor, never the elector, is taken here.
        synchronized (signal) {
            changes++;
            signal.notifyAll();
        }
    }

    private void loop() {
        while (!stopping) {
            long delay;
            storeLock.lock();
            try {
                if (stopping) {
                    break;
                }
                if (stepDownRequested) {
                    stepDownRequested = false;
                    elector.beginRelease("step-down requested");
                    finishStepDownLocked();
                    continue;
                }
                if (elector.beginIdleStepDown()) {
                    finishStepDownLocked();
                    continue;
                }
                // Wake for the idle step-down too, not only for the next renewal.
                delay = Math.min(elector.step(), Math.max(0, elector.nanosUntilIdleStepDown()));
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "elector step failed unexpectedly; retrying", e);
                delay = elector.config().retryInterval().toNanos();
            } finally {
                storeLock.unlock();
            }
            armDeadlineTimer();
            awaitNanos(delay);
        }
    }

    private void armDeadlineTimer() {
        long untilDeadline = elector.nanosUntilDeadline();
        synchronized (this) {
            if (deadlineTask != null) {
                deadlineTask.cancel(false);
                deadlineTask = null;
            }
            if (untilDeadline != Long.MAX_VALUE && !deadlineTimer.isShutdown()) {
                deadlineTask = deadlineTimer.schedule(elector::enforceDeadline,
                        Math.max(0, untilDeadline), TimeUnit.NANOSECONDS);
            }
        }
    }

    private void awaitNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        synchronized (signal) {
            while (!stopping && !woken && !stepDownRequested) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(signal, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            woken = false;
        }
    }

    /** Planned step-down: drain, release, then stand by long enough for another candidate to lead. */
    public void requestStepDown() {
        stepDownRequested = true;
        wake();
    }

    private void finishStepDownLocked() {
        // Also when the lease was revoked locally but the row may still be ours (a renewal that
        // hung past the deadline): releasing it spares the next candidate a TTL of waiting.
        if (elector.heldToken() != 0) {
            drainThenRelease(elector.config().drainTimeout(), true);
        }
        elector.resumeAfterStepDown();
    }

    /**
     * Stops the elector: no new permits, watchers told at once; waits for issued permits (unless
     * {@code permitHoldersGone}), then releases the row and stops.
     *
     * @param permitHoldersGone true when every permit holder is known to have exited (native sidecar)
     * @return true when the lease was released in the store
     */
    public boolean shutdown(boolean permitHoldersGone) {
        stopping = true;
        elector.beginRelease("shutting down");
        wake();
        boolean released = false;
        storeLock.lock();
        try {
            released = drainThenRelease(elector.config().drainTimeout(), !permitHoldersGone);
            elector.stop("stopped");
        } finally {
            storeLock.unlock();
            deadlineTimer.shutdownNow();
        }
        try {
            worker.join(elector.config().statementTimeout().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return released;
    }

    private boolean drainThenRelease(Duration drainTimeout, boolean waitForPermits) {
        long drainStart = System.nanoTime();
        if (waitForPermits) {
            long end = drainStart + drainTimeout.toNanos();
            while (true) {
                long seen;
                synchronized (signal) {
                    seen = changes;
                }
                // The elector is asked without holding the signal monitor (see LeaseElector#onChange).
                long remaining = elector.drainRemainingNanos();
                if (remaining == 0) {
                    break;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    LeaseSnapshot s = elector.snapshot();
                    LOG.log(Level.WARNING, "lock={0} holder={1} token={2}: permits still valid after the drain"
                                    + " timeout of {3}; not releasing, the lease expires after its TTL",
                            s.lockName(), elector.self().id(), elector.heldToken(),
                            LeaseConfig.fmt(drainTimeout));
                    return false;
                }
                synchronized (signal) {
                    if (changes == seen) {
                        try {
                            TimeUnit.NANOSECONDS.timedWait(signal, Math.min(left, remaining));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return false;
                        }
                    }
                }
            }
        }
        long releaseStart = System.nanoTime();
        boolean released = elector.releaseInStore();
        if (released) {
            LOG.log(Level.INFO, "lock={0} holder={1}: permits drained in {2} ms, released in the store in {3} ms",
                    elector.config().lockName(), elector.self().id(),
                    TimeUnit.NANOSECONDS.toMillis(releaseStart - drainStart),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releaseStart));
        }
        return released;
    }

    @Override
    public void close() {
        if (!stopping) {
            shutdown(false);
        }
    }
}
