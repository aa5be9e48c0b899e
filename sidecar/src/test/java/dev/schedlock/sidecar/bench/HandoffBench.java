package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.lease.ElectorRunner;
import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseMetrics;
import dev.schedlock.sidecar.lease.LeaseState;
import dev.schedlock.sidecar.lease.MonotonicClock;
import dev.schedlock.sidecar.lease.PermitMode;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.ReleaseWatch;
import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Graceful handoff latency: the leader steps down (claims mode, no claim outstanding, so there is
 * nothing to drain) and another candidate leads. Measured from the moment the releasing elector
 * published its release (the store commit has returned) to the moment the next elector published
 * LEADER, on one machine's monotonic clock. Real stores, real elector threads, the production
 * wake-up path (PostgreSQL NOTIFY, the SQLite release watch).
 *
 * <p>Arguments: {@code <sqlite|postgresql> [handoffs] [candidates]}.
 */
public final class HandoffBench {

    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration RETRY = Duration.ofMillis(500);

    private HandoffBench() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "postgresql";
        int handoffs = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int candidates = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        BenchStores stores = BenchStores.fresh(kind);
        try (JdbcLeaseStore setup = stores.open(Duration.ofSeconds(5))) {
            setup.migrate();
        }
        LeaseConfig config = LeaseConfig.builder().lockName("handoff").ttl(TTL).heartbeatInterval(Duration.ofSeconds(2))
                .retryInterval(RETRY).permitTtl(Duration.ofSeconds(2)).permitMode(PermitMode.CLAIMS).build();
        AtomicLong releasedAt = new AtomicLong();
        AtomicLong leaderAt = new AtomicLong();
        List<ElectorRunner> runners = new ArrayList<>();
        List<AutoCloseable> closeables = new ArrayList<>();
        Object monitor = new Object();
        for (int i = 0; i < candidates; i++) {
            JdbcLeaseStore store = stores.open(Duration.ofSeconds(2));
            closeables.add(store);
            LeaseElector elector = new LeaseElector(config, store,
                    HolderIdentity.forThisProcess("bench-" + i, null, "localhost"), MonotonicClock.SYSTEM,
                    () -> ThreadLocalRandom.current().nextDouble(), LeaseMetrics.NOOP);
            elector.onChange(s -> {
                long now = System.nanoTime();
                if (s.state() == LeaseState.LEADER) {
                    leaderAt.set(now);
                } else if (s.reason() != null && s.reason().startsWith("released token")) {
                    releasedAt.set(now);
                }
                synchronized (monitor) {
                    monitor.notifyAll();
                }
            });
            ElectorRunner runner = new ElectorRunner(elector);
            runners.add(runner);
            ReleaseWatch watch = stores.dialect(Duration.ofSeconds(2)).releaseWatch(config.lockName(), runner::wake);
            watch.start();
            elector.wakesOnRelease(watch::isLive);
            closeables.add(watch);
            runner.start();
        }
        long[] latencies = new long[handoffs];
        int done = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (done < handoffs && System.nanoTime() < deadline) {
            // A candidate that just stepped down sits out two jittered retry intervals so that the
            // lease moves on; wait them out so that every other candidate is eligible again.
            Thread.sleep((long) (2 * RETRY.toMillis() * (1 + config.jitter())) + 100);
            ElectorRunner leader = awaitLeader(runners, monitor);
            long previousLeaderAt = leaderAt.get();
            releasedAt.set(0);
            leader.requestStepDown();
            synchronized (monitor) {
                while (releasedAt.get() == 0 || leaderAt.get() == previousLeaderAt) {
                    monitor.wait(100);
                }
            }
            // The next leader can publish a hair before the releasing thread does; that counts as 0.
            latencies[done++] = Math.max(0, leaderAt.get() - releasedAt.get());
        }
        for (ElectorRunner r : runners) {
            r.shutdown(true);
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        stores.drop();
        Stats stats = Stats.of(java.util.Arrays.copyOf(latencies, done));
        System.out.printf(Locale.ROOT, "## Graceful handoff, %s, %d candidates, retry %s%n%n", kind, candidates,
                LeaseConfig.fmt(RETRY));
        System.out.printf(Locale.ROOT, "release committed → next leader: %s%n", stats.millis());
    }

    private static ElectorRunner awaitLeader(List<ElectorRunner> runners, Object monitor) throws InterruptedException {
        while (true) {
            // The elector is read outside the monitor: its listeners take the monitor under the
            // elector's lock (see LeaseElector#onChange).
            for (ElectorRunner r : runners) {
                if (r.elector().snapshot().state() == LeaseState.LEADER) {
                    return r;
                }
            }
            synchronized (monitor) {
                monitor.wait(5);
            }
        }
    }
}
