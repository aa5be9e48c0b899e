package dev.schedlock.sidecar.lease;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Locale;
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

    // ---- handoff timing, for the log (monotonic nanoseconds of the elector's clock)
    /** Guarded by {@link #signal}: when {@link #wake()} was first called in the current wait; 0 if not. */
    private long wakeCalledNanos;
    /** Written by the worker only: how its last wait ended, and when. */
    private String lastWakeCause = "at start";
    private long lastWakeNanos;
    private long lastResumedNanos;
    /** Written under the elector's lock by the change listener: the state last published. */
    private volatile LeaseState lastPublishedState = LeaseState.STANDBY;
    /** The snapshot that first said LEADER, and when it was published; null once logged. */
    private volatile LeaseSnapshot leaderPublished;
    private volatile long leaderPublishedNanos;
    /** When a release was asked for (shutdown, step-down): the first instant of a handoff on this side. */
    private volatile long releaseAskedNanos;

    public ElectorRunner(LeaseElector elector) {
        this.elector = Objects.requireNonNull(elector, "elector");
        this.deadlineTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "schedlock-deadline");
            t.setDaemon(true);
            return t;
        });
        this.worker = new Thread(this::loop, "schedlock-elector");
        this.worker.setDaemon(true);
        elector.onChange(s -> {
            notePublished(s);
            signalAll();
        });
    }

    public LeaseElector elector() {
        return elector;
    }

    public void start() {
        lastWakeNanos = elector.clock().nanoTime();
        lastResumedNanos = lastWakeNanos;
        worker.start();
    }

    /** Ends the current wait early: a release was announced, or a step-down was asked for. */
    public void wake() {
        long now = elector.clock().nanoTime();
        synchronized (signal) {
            if (!woken) {
                wakeCalledNanos = now;
            }
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
                long askedForIdle = elector.clock().nanoTime();
                if (elector.beginIdleStepDown()) {
                    releaseAskedNanos = askedForIdle;
                    finishStepDownLocked();
                    continue;
                }
                long stepBegan = elector.clock().nanoTime();
                // Wake for the idle step-down too, not only for the next renewal.
                delay = Math.min(elector.step(), Math.max(0, elector.nanosUntilIdleStepDown()));
                logIfNewlyLeading(stepBegan);
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
        long endOnElectorClock = elector.clock().nanoTime() + nanos;
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
            if (woken) {
                lastWakeCause = "by the release watch";
                lastWakeNanos = wakeCalledNanos;
            } else if (nanos <= 0) {
                lastWakeCause = "with no wait";
                lastWakeNanos = endOnElectorClock;
            } else {
                lastWakeCause = "by its own timer";
                lastWakeNanos = endOnElectorClock;
            }
            woken = false;
        }
        lastResumedNanos = elector.clock().nanoTime();
    }

    /** Called under the elector's lock with every new snapshot, in order: notes the first one that leads. */
    private void notePublished(LeaseSnapshot s) {
        if (s.state() == LeaseState.LEADER && lastPublishedState != LeaseState.LEADER) {
            leaderPublishedNanos = elector.clock().nanoTime();
            leaderPublished = s;
        }
        lastPublishedState = s.state();
    }

    /**
     * After a step that made this candidate lead, says how the handoff went on this side: what
     * woke it (a release seen by the release watch, or its own retry timer), and from that instant
     * when the worker ran, the acquire statement was sent, its answer came, and LEADER was published
     * to the watchers. Logged after the publication, so it delays nothing. The raw monotonic
     * instants are in the line too: on Linux every JVM of the machine reads the same clock
     * ({@code CLOCK_MONOTONIC}), so a benchmark can line them up with the old leader's and its
     * clients' (docs/benchmarks.md, "Graceful handoff with returned claims").
     */
    private void logIfNewlyLeading(long stepBegan) {
        LeaseSnapshot s = leaderPublished;
        long published = leaderPublishedNanos;
        if (s == null || published - stepBegan < 0) {
            return;
        }
        leaderPublished = null;
        // The elector stamps a new holding with the acquire's answer (lastRenewalNanos) and the
        // deadline it computed from the instant the statement was sent.
        long sent = s.validUntilNanos() - elector.config().localValidity().toNanos();
        long answered = s.lastRenewalNanos();
        long woke = lastWakeNanos;
        LOG.log(Level.INFO, "lock={0} holder={1} token={2}: leading {3} ms after it was woken {4}: worker ran"
                        + " +{5} ms, acquire sent +{6} ms, answered +{7} ms, LEADER published +{8} ms"
                        + " (monotonic ns: woken {9}, ran {10}, sent {11}, answered {12}, published {13})",
                s.lockName(), elector.self().id(), Long.toString(s.fencingToken()), ms(published - woke),
                lastWakeCause, ms(lastResumedNanos - woke), ms(sent - woke), ms(answered - woke),
                ms(published - woke), Long.toString(woke), Long.toString(lastResumedNanos), Long.toString(sent),
                Long.toString(answered), Long.toString(published));
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    /** Planned step-down: drain, release, then stand by long enough for another candidate to lead. */
    public void requestStepDown() {
        releaseAskedNanos = elector.clock().nanoTime();
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
        releaseAskedNanos = elector.clock().nanoTime();
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
        // System.nanoTime(), the clock of the waits below (MonotonicClock.SYSTEM in production).
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
        long releaseEnd = System.nanoTime();
        if (released) {
            // The monotonic instants line up with the next leader's (see logIfNewlyLeading).
            LOG.log(Level.INFO, "lock={0} holder={1}: permits drained in {2} ms, released in the store in {3} ms"
                            + " (monotonic ns: asked {4}, drain began {5}, release sent {6}, committed {7})",
                    elector.config().lockName(), elector.self().id(),
                    TimeUnit.NANOSECONDS.toMillis(releaseStart - drainStart),
                    TimeUnit.NANOSECONDS.toMillis(releaseEnd - releaseStart), Long.toString(releaseAskedNanos),
                    Long.toString(drainStart), Long.toString(releaseStart), Long.toString(releaseEnd));
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
