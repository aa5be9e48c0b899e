package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.TakeoverRule;
import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
        TimedWorkers.Rates rates;
        try {
            rates = measure(stores, locks, candidates, seconds, workers);
        } finally {
            stores.drop();
        }
        // Per lock at a 10 s heartbeat and 2 s retry: 0.1 renewals/s + (candidates-1) × 0.5 attempts/s.
        double perLockLoad = 0.1 + (candidates - 1) * 0.5;
        double capacity = (rates.first() + rates.second()) / perLockLoad;
        System.out.printf(Locale.ROOT, "## Store throughput, %s, %d locks, %d candidates each, %d workers, %ds%n%n",
                kind, locks, candidates, workers, seconds);
        System.out.printf(Locale.ROOT, "renewals: %.0f/s, acquire attempts (contended): %.0f/s, errors: %d%n",
                rates.first(), rates.second(), rates.errors());
        System.out.printf(Locale.ROOT, "capacity at heartbeat 10 s, retry 2 s, %d candidates per lock: about %,.0f locks"
                + " (per lock %.1f operations/s)%n", candidates, capacity, perLockLoad);
    }

    /**
     * Migrates {@code stores} and runs the mix for {@code seconds}: {@link TimedWorkers.Rates#first()}
     * is renewals per second, {@link TimedWorkers.Rates#second()} contended acquire attempts per second.
     */
    static TimedWorkers.Rates measure(BenchStores stores, int locks, int candidates, int seconds, int workers)
            throws InterruptedException {
        try (JdbcLeaseStore setup = stores.open(Duration.ofSeconds(5))) {
            setup.migrate();
        }
        return TimedWorkers.run(workers, seconds, index -> new Holder(stores.open(Duration.ofSeconds(5)), index,
                locks, candidates, workers));
    }

    /** One worker: holds every {@code workers}-th lock, renews them in turn, tries the others'. */
    private static final class Holder implements TimedWorkers.Worker {
        private static final long TTL_MS = Duration.ofHours(1).toMillis(); // nothing expires during the run

        private final JdbcLeaseStore store;
        private final HolderIdentity me;
        private final int worker;
        private final int locks;
        private final int candidates;
        private final int workers;
        private final List<String> mine = new ArrayList<>();
        private final List<Long> tokens = new ArrayList<>();
        private int i;

        Holder(JdbcLeaseStore store, int worker, int locks, int candidates, int workers) {
            this.store = store;
            this.me = HolderIdentity.forThisProcess("worker-" + worker, null, "localhost");
            this.worker = worker;
            this.locks = locks;
            this.candidates = candidates;
            this.workers = workers;
            for (int l = worker; l < locks; l += workers) {
                AcquireResult r = store.tryAcquire("lock-" + l, me, TTL_MS, TakeoverRule.expired());
                mine.add("lock-" + l);
                tokens.add(r.fencingToken());
            }
        }

        @Override
        public void step(TimedWorkers.Counts counts) {
            int round = i++;
            int index = round % mine.size();
            if (store.renew(mine.get(index), me.id(), tokens.get(index), TTL_MS)) {
                counts.first.increment();
            } else {
                counts.error("renewal of " + mine.get(index) + " refused");
            }
            for (int c = 0; c < candidates - 1; c++) {
                String other = "lock-" + ((worker + 1 + (round + c) * workers) % locks);
                store.tryAcquire(other, me, TTL_MS, TakeoverRule.expired());
                counts.second.increment();
            }
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
