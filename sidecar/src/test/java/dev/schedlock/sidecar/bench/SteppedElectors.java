package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseSnapshot;
import dev.schedlock.sidecar.lease.LeaseState;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs many {@link LeaseElector}s on a few threads: each elector's {@link LeaseElector#step()} is
 * scheduled again after the delay it returns, as {@code ElectorRunner} loops on one thread per
 * elector in the sidecar. What is left out: the deadline timer (the next step enforces the
 * deadline, so a leader that lost it is still seen, only later), the idle step-down (off by
 * default) and release notifications (nothing is released while it runs).
 *
 * <p>Counts the leaders (an elector in {@code LEADER}), and while {@link #recording} is on, every
 * leader that stops leading and how late each step ran after it was due: when the threads cannot
 * keep up, steps queue and run late, and renewals with them.
 */
final class SteppedElectors implements AutoCloseable {

    private final ScheduledThreadPoolExecutor executor;
    private final AtomicInteger leaders = new AtomicInteger();
    final LatencyHistogram stepLag = new LatencyHistogram();
    final LongAdder leadersLost = new LongAdder();
    final LongAdder stepFailures = new LongAdder();
    private final AtomicReference<String> firstStepFailure = new AtomicReference<>();
    volatile boolean recording;
    private volatile boolean stopping;

    SteppedElectors(int threads) {
        AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(threads, r -> {
            Thread t = new Thread(r, "elector-step-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // On close, steps already scheduled are dropped; running ones finish their store call.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** Electors leading now. */
    int leaders() {
        return leaders.get();
    }

    String firstStepFailure() {
        return firstStepFailure.get();
    }

    /** Takes the first step of {@code elector} after {@code firstDelayNanos}, and every step after it. */
    void start(LeaseElector elector, long firstDelayNanos) {
        Stepper stepper = new Stepper(elector);
        elector.onChange(stepper::changed);
        stepper.schedule(firstDelayNanos);
    }

    private final class Stepper implements Runnable {
        private final LeaseElector elector;
        private long dueNanos;
        /** Guarded by the elector's lock: {@link #changed} runs under it, in version order. */
        private boolean leading;

        Stepper(LeaseElector elector) {
            this.elector = elector;
        }

        void schedule(long delayNanos) {
            dueNanos = System.nanoTime() + delayNanos;
            try {
                executor.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                if (!stopping) {
                    throw e;
                }
            }
        }

        @Override
        public void run() {
            if (stopping) {
                return;
            }
            if (recording) {
                stepLag.record(System.nanoTime() - dueNanos);
            }
            long delay;
            try {
                delay = elector.step();
            } catch (RuntimeException e) {
                // ElectorRunner logs and retries after the retry interval; so does this.
                if (recording) {
                    stepFailures.increment();
                    firstStepFailure.compareAndSet(null, e.toString());
                }
                delay = elector.config().retryInterval().toNanos();
            }
            schedule(delay);
        }

        void changed(LeaseSnapshot snapshot) {
            boolean now = snapshot.state() == LeaseState.LEADER;
            if (now == leading) {
                return;
            }
            leading = now;
            if (now) {
                leaders.incrementAndGet();
            } else {
                leaders.decrementAndGet();
                if (recording) {
                    leadersLost.increment();
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        executor.shutdown();
        executor.awaitTermination(1, TimeUnit.MINUTES);
    }
}
