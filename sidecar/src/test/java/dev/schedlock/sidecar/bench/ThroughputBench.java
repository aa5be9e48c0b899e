package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.TakeoverRule;
import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many lease operations one store sustains with many locks and candidates: worker threads,
 * each with its own connection, hold a share of the locks and renew them, and try to acquire the
 * others' locks as candidates do (contention answered {@code false}). The mix is one renewal per
 * {@code candidates - 1} acquire attempts, as a lock with that many standbys produces.
 *
 * <p>Arguments: {@code <sqlite|postgresql> [locks] [candidates] [seconds] [workers]}.
 */
public final class ThroughputBench {

    private ThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "postgresql";
        int locks = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int candidates = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        int workers = args.length > 4 ? Integer.parseInt(args[4]) : 8;
        BenchStores stores = BenchStores.fresh(kind);
        try (JdbcLeaseStore setup = stores.open(Duration.ofSeconds(5))) {
            setup.migrate();
        }
        long ttlMs = Duration.ofHours(1).toMillis(); // nothing expires during the run
        LongAdder renewals = new LongAdder();
        LongAdder attempts = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch ready = new CountDownLatch(workers);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            Thread t = new Thread(() -> {
                try (JdbcLeaseStore store = stores.open(Duration.ofSeconds(5))) {
                    HolderIdentity me = HolderIdentity.forThisProcess("worker-" + worker, null, "localhost");
                    List<String> mine = new ArrayList<>();
                    List<Long> tokens = new ArrayList<>();
                    for (int l = worker; l < locks; l += workers) {
                        AcquireResult r = store.tryAcquire("lock-" + l, me, ttlMs, TakeoverRule.expired());
                        mine.add("lock-" + l);
                        tokens.add(r.fencingToken());
                    }
                    ready.countDown();
                    go.await();
                    int i = 0;
                    while (running.get()) {
                        int index = i % mine.size();
                        try {
                            if (store.renew(mine.get(index), me.id(), tokens.get(index), ttlMs)) {
                                renewals.increment();
                            } else {
                                errors.increment();
                            }
                            for (int c = 0; c < candidates - 1; c++) {
                                String other = "lock-" + ((worker + 1 + (i + c) * workers) % locks);
                                store.tryAcquire(other, me, ttlMs, TakeoverRule.expired());
                                attempts.increment();
                            }
                        } catch (RuntimeException e) {
                            errors.increment();
                        }
                        i++;
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
        Thread.sleep(seconds * 1000L); // the measurement window
        running.set(false);
        long elapsed = System.nanoTime() - t0;
        for (Thread t : threads) {
            t.join();
        }
        stores.drop();
        double secs = elapsed / 1e9;
        double renewPerSec = renewals.sum() / secs;
        double attemptPerSec = attempts.sum() / secs;
        // Per lock at a 10 s heartbeat and 2 s retry: 0.1 renewals/s + (candidates-1) × 0.5 attempts/s.
        double perLockLoad = 0.1 + (candidates - 1) * 0.5;
        double capacity = (renewPerSec + attemptPerSec) / perLockLoad;
        System.out.printf(Locale.ROOT, "## Store throughput, %s, %d locks, %d candidates each, %d workers, %ds%n%n",
                kind, locks, candidates, workers, seconds);
        System.out.printf(Locale.ROOT, "renewals: %.0f/s, acquire attempts (contended): %.0f/s, errors: %d%n",
                renewPerSec, attemptPerSec, errors.sum());
        System.out.printf(Locale.ROOT, "capacity at heartbeat 10 s, retry 2 s, %d candidates per lock: about %,.0f locks"
                + " (per lock %.1f operations/s)%n", candidates, capacity, perLockLoad);
    }
}
