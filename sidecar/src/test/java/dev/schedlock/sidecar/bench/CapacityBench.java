package dev.schedlock.sidecar.bench;

import dev.schedlock.rules.Durations;
import dev.schedlock.rules.LeaseRules;
import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseMetrics;
import dev.schedlock.sidecar.lease.MonotonicClock;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How many locks one store holds: real {@link LeaseElector}s in this JVM, three per lock (one
 * leads, two stand by), with the sidecar's default timing (heartbeat 10 s, TTL 60 s, retry 2 s),
 * stepped on a few threads ({@link SteppedElectors}) and sharing a fixed pool of connections
 * ({@link PooledLeaseStore}), so that the load is the server's, not that of 150,000 threads.
 *
 * <p>The electors' first steps are spread over one heartbeat interval, so that the load is even.
 * Once every lock has a leader, one more heartbeat interval passes (every leader has renewed once,
 * the standbys' attempts are spread out), and then the window is measured: renewal latency (the
 * store call, timed around it), renewals and acquire attempts per second against what the timing
 * asks for, errors, leaders that stopped leading (a lost lease: a failure of capacity), how late
 * steps ran after they were due (the client side keeping up or not), and the server's side:
 * {@link PostgresLoad}, and the CPU of this JVM and of the whole machine.
 *
 * <p>Arguments: {@code <postgresql|sqlite> [locks, comma-separated for several runs] [seconds]
 * [pool] [heartbeat]}; e.g. {@code postgresql 10000,25000,50000 60 32}. The heartbeat (default
 * {@code 10s}) scales the other timings as the defaults do: TTL 6 ×, retry and permit 1/5 × and 1 ×.
 * Each run has a fresh schema (or SQLite file).
 *
 * <p>Each standby waits as a sidecar whose release watch is connected does
 * ({@link LeaseElector#wakesOnRelease}): until the holding it saw can expire. No lock is released
 * here, so no watch would ever fire; the benchmark opens none (a sidecar's would be one more idle
 * {@code LISTEN} connection). A sixth argument {@code poll} makes the standbys read every retry
 * interval instead, as without a watch.
 */
public final class CapacityBench {

    /** Electors per lock: one leader and two standbys. */
    static final int CANDIDATES = 3;

    /** Whether the standbys wait as with a connected release watch (the sixth argument). */
    private static boolean watchLive = true;

    private CapacityBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs a = new BenchArgs(args);
        String kind = a.text(0, "postgresql");
        int[] locks = Arrays.stream(a.text(1, "10000").split(",")).mapToInt(Integer::parseInt).toArray();
        int seconds = a.count(2, 60);
        int pool = a.count(3, 32);
        Duration heartbeat = a.duration(4, LeaseRules.DEFAULT_HEARTBEAT);
        watchLive = !a.text(5, "watch").equals("poll");
        List<Result> results = new ArrayList<>();
        for (int n : locks) {
            results.add(run(kind, n, seconds, pool, heartbeat));
        }
        System.out.printf(Locale.ROOT, "## Capacity, %s, %d electors per lock, heartbeat %s, pool %d, window %d s,"
                        + " standbys %s%n%n", kind, CANDIDATES, Durations.format(heartbeat), pool, seconds,
                watchLive ? "sleep until expiry (release watch connected)" : "read every retry interval");
        System.out.println(Result.HEADER);
        results.forEach(r -> System.out.println(r.row()));
        System.out.println();
        results.forEach(r -> System.out.println(r.details()));
    }

    /** What one run measured; rates are per second of the window. */
    record Result(int locks, int electors, int pool, Duration heartbeat, double seconds, boolean allElected,
                  long electedNanos,
                  int leadersAtStart, int leadersAtEnd, long leadersLost, LatencyHistogram renewLatency,
                  LatencyHistogram acquireLatency, double poolBusy,
                  long renewed, long renewRefused, long acquired, long heldByOther, long errors, String firstError,
                  long stepFailures, LatencyHistogram stepLag, double jvmCores, double machineCores, String load,
                  long heapBytes, PostgresLoad.Rates server) {

        static final String HEADER = "| locks | renew p50 / p95 / p99 / max | renewals/s (asked) | standby attempts/s"
                + " | errors | leaders lost | step late p99 / max | PG commits/s | PG CPU (cores) | bench JVM CPU | load |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|";

        double renewRate() {
            return renewed / seconds;
        }

        /** What the timing asks for: every leader renews once per heartbeat. */
        double askedRenewRate() {
            return locks / (heartbeat.toNanos() / 1e9);
        }

        double attemptRate() {
            return (acquired + heldByOther) / seconds;
        }

        String row() {
            return String.format(Locale.ROOT, "| %,d | %s | %,.0f (%,.0f) | %,.0f | %d | %d | %s | %s | %s | %.2f | %s |",
                    locks, renewLatency.millis(), renewRate(), askedRenewRate(), attemptRate(), errors + stepFailures,
                    leadersLost, stepLagText(), server == null ? "–" : String.format(Locale.ROOT, "%,.0f", server.commits()),
                    server == null ? "–" : String.format(Locale.ROOT, "%.2f", server.serverCores()), jvmCores, load);
        }

        private String stepLagText() {
            return String.format(Locale.ROOT, "%.0f / %.0f ms", stepLag.percentile(0.99) / 1e6, stepLag.max() / 1e6);
        }

        String details() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%,d locks, %,d electors: %s %.1f s after the first step; leaders at"
                            + " the window's start %,d, at its end %,d; heap %,.0f MiB after a full GC (%,.0f bytes"
                            + " per elector)%n", locks, electors,
                    allElected ? "every lock led" : "warm-up gave up waiting for a leader of every lock",
                    electedNanos / 1e9, leadersAtStart, leadersAtEnd, heapBytes / 1048576.0,
                    (double) heapBytes / electors));
            b.append(String.format(Locale.ROOT, "  renewals %,d in %.1f s, %d refused; acquire attempts: %,d acquired,"
                            + " %,d held by another (%.1f per standby per minute); store errors %d, failed steps %d%s%n",
                    renewed, seconds, renewRefused, acquired, heldByOther,
                    heldByOther * 60 / seconds / (locks * (double) (CANDIDATES - 1)), errors, stepFailures,
                    firstError == null ? "" : "; first: " + firstError));
            b.append(String.format(Locale.ROOT, "  acquire attempts took %s; the pool's %d connections were busy %.0f %%"
                    + " of the window%n", acquireLatency.millis(), pool, 100 * poolBusy));
            b.append(String.format(Locale.ROOT, "  steps ran late by p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%,d);"
                            + " CPU: bench JVM %.2f cores, machine %.2f cores busy; load average %s%n",
                    stepLag.percentile(0.5) / 1e6, stepLag.percentile(0.99) / 1e6, stepLag.max() / 1e6,
                    stepLag.count(), jvmCores, machineCores, load));
            if (server != null) {
                b.append("  PostgreSQL: ").append(server.describe()).append('\n');
            }
            return b.toString();
        }
    }

    static Result run(String kind, int locks, int seconds, int poolSize, Duration heartbeat) throws Exception {
        Logger electorLog = Logger.getLogger(LeaseElector.class.getName());
        Level previousLevel = electorLog.getLevel();
        // One INFO line per election of 3 × locks electors would be the loudest part of the run.
        electorLog.setLevel(Level.WARNING);
        BenchStores stores = BenchStores.migrated(kind);
        try {
            return measure(stores, locks, seconds, poolSize, heartbeat);
        } finally {
            electorLog.setLevel(previousLevel);
            stores.drop();
        }
    }

    private static Result measure(BenchStores stores, int locks, int seconds, int poolSize, Duration heartbeat)
            throws Exception {
        long heartbeatNanos = heartbeat.toNanos();
        LeaseConfig timing = timing("capacity", heartbeat);
        List<LeaseStore> connections = new ArrayList<>();
        for (int i = 0; i < poolSize; i++) {
            connections.add(stores.open(timing.statementTimeout()));
        }
        long heapBefore = heapAfterGc();
        try (PooledLeaseStore pool = new PooledLeaseStore(connections);
             SteppedElectors electors = new SteppedElectors(poolSize);
             PostgresLoad server = stores.kind().equals("postgresql")
                     ? PostgresLoad.open(BenchStores.PG_URL, BenchStores.PG_USER, stores.schema()) : null) {
            pool.connectAll();
            DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
            ThreadLocalRandom r = ThreadLocalRandom.current();
            long pid = ProcessHandle.current().pid();
            long firstStep = System.nanoTime();
            for (int l = 0; l < locks; l++) {
                String lock = "cap-" + l;
                LeaseConfig config = timing(lock, heartbeat);
                for (int c = 0; c < CANDIDATES; c++) {
                    String pod = lock + "-" + c;
                    LeaseElector elector = new LeaseElector(config, pool, new HolderIdentity(pod, pod, "bench", pid),
                            MonotonicClock.SYSTEM, random, LeaseMetrics.NOOP);
                    boolean live = watchLive;
                    elector.wakesOnRelease(() -> live);
                    electors.start(elector, Math.max(0, firstStep + r.nextLong(heartbeatNanos) - System.nanoTime()));
                }
            }
            // Warm-up: every lock led, then one more heartbeat so that every leader renewed once.
            long electionTimeout = heartbeatNanos + timing.ttl().toNanos() * 2;
            while (electors.leaders() < locks && System.nanoTime() - firstStep < electionTimeout) {
                Thread.sleep(100);
            }
            long elected = System.nanoTime() - firstStep;
            boolean allElected = electors.leaders() >= locks;
            Thread.sleep(heartbeat.toMillis());
            long heap = heapAfterGc() - heapBefore;
            if (server != null) {
                server.findBackends();
            }
            Thread.sleep(Math.min(1000, heartbeat.toMillis())); // let the collection's pause pass
            int leadersAtStart = electors.leaders();
            long jvm0 = ProcessCpu.ticks(pid);
            ProcessCpu.Machine machine0 = ProcessCpu.machine();
            PostgresLoad.Sample s0 = server == null ? null : server.sample();
            long t0 = System.nanoTime();
            pool.recording = true;
            electors.recording = true;
            Thread.sleep(seconds * 1000L);
            pool.recording = false;
            electors.recording = false;
            double window = (System.nanoTime() - t0) / 1e9;
            PostgresLoad.Sample s1 = server == null ? null : server.sample();
            long jvm1 = ProcessCpu.ticks(pid);
            ProcessCpu.Machine machine1 = ProcessCpu.machine();
            String load = LoadAverage.now();
            return new Result(locks, locks * CANDIDATES, poolSize, heartbeat, window, allElected, elected,
                    leadersAtStart,
                    electors.leaders(), electors.leadersLost.sum(), pool.renewLatency, pool.acquireLatency,
                    pool.busyNanos.sum() / (window * 1e9 * poolSize), pool.renewed.sum(),
                    pool.renewRefused.sum(), pool.acquired.sum(), pool.heldByOther.sum(), pool.errors.sum(),
                    pool.firstError() != null ? pool.firstError() : electors.firstStepFailure(),
                    electors.stepFailures.sum(), electors.stepLag, machine0.cores(jvm1 - jvm0, machine1),
                    machine0.busyCores(machine1), load, heap,
                    s0 == null ? null : PostgresLoad.Rates.between(s0, s1));
        }
    }

    /** The sidecar's defaults at heartbeat 10 s; another heartbeat scales TTL, retry and permit with it. */
    static LeaseConfig timing(String lock, Duration heartbeat) {
        LeaseConfig.Builder b = LeaseConfig.builder().lockName(lock);
        if (!heartbeat.equals(LeaseRules.DEFAULT_HEARTBEAT)) {
            b.heartbeatInterval(heartbeat).ttl(heartbeat.multipliedBy(6)).retryInterval(heartbeat.dividedBy(5))
                    .permitTtl(heartbeat);
        }
        return b.build();
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
