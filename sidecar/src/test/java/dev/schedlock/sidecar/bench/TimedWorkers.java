package dev.schedlock.sidecar.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Worker threads that each open their own connection and get ready (outside the window), then
 * run one step after another for a measurement window, counting two kinds of operation and the
 * errors. The store throughput benchmark and the ShedLock anchor both measure through it, so
 * their figures are taken the same way.
 */
final class TimedWorkers {

    private TimedWorkers() {
    }

    /** One thread's state (its own connection) and its loop body. */
    interface Worker extends AutoCloseable {

        /** One round; counts what it did on {@code counts}. A runtime exception counts as one error. */
        void step(Counts counts);

        @Override
        void close();
    }

    /** Opens worker {@code index} and does its set-up (e.g. acquiring the locks it holds). */
    @FunctionalInterface
    interface WorkerFactory {
        Worker open(int index) throws Exception;
    }

    /** The two operations a workload counts, and its errors (with what the first one was). */
    static final class Counts {
        final LongAdder first = new LongAdder();
        final LongAdder second = new LongAdder();
        final LongAdder errors = new LongAdder();
        private final AtomicReference<String> firstError = new AtomicReference<>();

        /** Counts an error; the first one's description goes into the report. */
        void error(String what) {
            errors.increment();
            firstError.compareAndSet(null, what);
        }
    }

    /** Operations per second of the window; {@code firstError} is null when there was none. */
    record Rates(double first, double second, long errors, String firstError) {
    }

    static Rates run(int workers, int seconds, WorkerFactory factory) throws InterruptedException {
        Counts counts = new Counts();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Exception> setupFailure = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(workers);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int index = w;
            Thread t = new Thread(() -> {
                Worker worker;
                try {
                    worker = factory.open(index);
                } catch (Exception e) {
                    setupFailure.compareAndSet(null, e);
                    ready.countDown();
                    return;
                }
                try (worker) {
                    ready.countDown();
                    go.await();
                    while (running.get()) {
                        long stepStart = System.nanoTime();
                        try {
                            worker.step(counts);
                        } catch (RuntimeException e) {
                            Throwable cause = e.getCause() != null ? e.getCause() : e;
                            counts.error(String.format(Locale.ROOT, "%s: %s (the step failed after %.0f ms)",
                                    e.getClass().getSimpleName(), cause.getMessage(),
                                    (System.nanoTime() - stepStart) / 1e6));
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-worker-" + w);
            threads.add(t);
            t.start();
        }
        ready.await();
        long t0 = System.nanoTime();
        go.countDown();
        if (setupFailure.get() == null) {
            Thread.sleep(seconds * 1000L); // the measurement window
        }
        running.set(false);
        long elapsed = System.nanoTime() - t0;
        for (Thread t : threads) {
            t.join();
        }
        if (setupFailure.get() != null) {
            throw new IllegalStateException("a worker could not set up", setupFailure.get());
        }
        double secs = elapsed / 1e9;
        return new Rates(counts.first.sum() / secs, counts.second.sum() / secs, counts.errors.sum(),
                counts.firstError.get());
    }
}
