package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.process.SidecarProcess;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Crash failover: real sidecar processes on one store, each with an app client polling
 * {@code GET /v1/lease} every 10 ms ({@link PermitPoller}). Once a leader gives permits and has
 * renewed (its row's {@code heartbeat_at} moved), the benchmark waits a random time within one
 * heartbeat interval and kills the leader with SIGKILL. Measured on this JVM's monotonic clock:
 * from just before the SIGKILL to the moment another sidecar's client has received its first
 * permit ({@code leader: true}, {@code validForMillis > 0}, a higher fencing token). A fresh
 * sidecar then takes the killed one's place, and the next sample starts.
 *
 * <p>Also measured: how long after the killed holder's row expired (its last {@code heartbeat_at}
 * plus its TTL, mapped onto this JVM's clock through the store-clock reading that came with the
 * row) the permit arrived: the standby's wake-up, its acquisition and the client's poll.
 *
 * <p>Arguments: {@code <sqlite|postgresql> [samples] [ttl=10s] [candidates=3] [heartbeat=0.3 × ttl]
 * [retry=ttl/10] [store-clock|observed]}; the permit TTL is the heartbeat interval.
 */
public final class FailoverBench {

    private static final String LOCK = "failover";

    private FailoverBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs a = new BenchArgs(args);
        String kind = a.text(0, "sqlite");
        int samples = a.count(1, 20);
        Duration ttl = a.duration(2, Duration.ofSeconds(10));
        int candidates = a.count(3, 3);
        Duration heartbeat = a.duration(4, ttl.multipliedBy(3).dividedBy(10));
        Duration retry = a.duration(5, ttl.dividedBy(10));
        String policy = a.text(6, "store-clock");
        BenchStores stores = BenchStores.migrated(kind);
        List<String> timing = List.of("--ttl", LeaseConfig.fmt(ttl), "--heartbeat-interval", LeaseConfig.fmt(heartbeat),
                "--retry-interval", LeaseConfig.fmt(retry), "--permit-ttl", LeaseConfig.fmt(heartbeat),
                "--takeover-policy", policy);
        long[] latencies = new long[samples];
        long[] phases = new long[samples];
        long[] afterExpiry = new long[samples];
        try (JdbcLeaseStore watch = stores.open(Duration.ofSeconds(5));
             SidecarGroup group = new SidecarGroup(stores, LOCK, candidates, timing);
             PermitPoller clients = new PermitPoller(group)) {
            group.startAll();
            clients.start();
            for (int i = 0; i < samples; i++) {
                PermitPoller.Holding leader = awaitLeader(watch, clients, group.size());
                long[] renewal = awaitRenewal(watch, leader.holderId());
                long renewalSeen = renewal[0];
                long expiryNanos = renewal[1];
                // A random moment within the heartbeat period after the renewal, so that the
                // samples cover every phase of it.
                long delayNanos = ThreadLocalRandom.current().nextLong(heartbeat.toNanos());
                TimeUnit.NANOSECONDS.sleep(renewalSeen + delayNanos - System.nanoTime()); // benchmark pacing
                SidecarProcess victim = group.get(leader.slot());
                long killNanos = System.nanoTime();
                ProcessHandle.of(victim.pid()).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL
                phases[i] = killNanos - renewalSeen;
                long patience = ttl.toNanos() * 3 + TimeUnit.SECONDS.toNanos(30);
                PermitPoller.Holding next = clients.await(h -> h.receivedNanos() - killNanos > 0
                        && h.slot() != leader.slot() && h.token() > leader.token(), patience)
                        .orElseThrow(() -> new IllegalStateException("no failover within " + patience / 1_000_000
                                + " ms after killing " + victim + ": logs in " + group.dir()));
                latencies[i] = next.receivedNanos() - killNanos;
                afterExpiry[i] = next.receivedNanos() - expiryNanos;
                System.out.printf(Locale.ROOT, "failover %d: pod-%d (token %d) killed %d ms after its renewal"
                                + " → pod-%d permit with token %d after %d ms, %d ms after the row expired%n", i + 1,
                        leader.slot(), leader.token(), TimeUnit.NANOSECONDS.toMillis(phases[i]), next.slot(),
                        next.token(), TimeUnit.NANOSECONDS.toMillis(latencies[i]),
                        TimeUnit.NANOSECONDS.toMillis(afterExpiry[i]));
                if (i + 1 < samples) {
                    group.replace(leader.slot());
                }
            }
        } finally {
            stores.drop();
        }
        report(kind + ", " + policy, candidates, ttl, heartbeat, retry, latencies, phases, afterExpiry);
    }

    /** The slot whose client gets permits from the holder named in the store's row. */
    private static PermitPoller.Holding awaitLeader(JdbcLeaseStore watch, PermitPoller clients, int slots)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() - end < 0) {
            Optional<String> holder = watch.inspect(LOCK).map(LockRow::holderId);
            Optional<Integer> permitted = clients.recentPermitSlot(TimeUnit.MILLISECONDS.toNanos(200));
            if (holder.isPresent() && permitted.isPresent()) {
                Optional<PermitPoller.Holding> latest = clients.latest(permitted.get());
                if (latest.isPresent() && latest.get().holderId().equals(holder.get())) {
                    return latest.get();
                }
            }
            Thread.sleep(PermitPoller.POLL_MILLIS); // benchmark polling
        }
        throw new IllegalStateException("no leader with permits among " + slots + " sidecars within 3 minutes");
    }

    /**
     * Waits until the holder renews (its row's heartbeat moves); returns when this JVM saw it and
     * when, on this JVM's clock, that renewal's row expires (the store read its clock between the
     * two readings of ours around the query: their midpoint is taken).
     */
    private static long[] awaitRenewal(JdbcLeaseStore watch, String holderId) throws InterruptedException {
        long first = watch.inspect(LOCK).orElseThrow().heartbeatAtMs();
        while (true) {
            long before = System.nanoTime();
            LockRow row = watch.inspect(LOCK).orElseThrow();
            long after = System.nanoTime();
            if (!holderId.equals(row.holderId())) {
                throw new IllegalStateException("the lease moved to " + row.holderId() + " without a fault");
            }
            if (row.heartbeatAtMs() != first) {
                long readAt = before + (after - before) / 2;
                long expiry = readAt + (row.heartbeatAtMs() + row.ttlMs() - row.storeNowMs()) * 1_000_000L;
                return new long[] {after, expiry};
            }
            Thread.sleep(5); // benchmark polling of the row
        }
    }

    private static void report(String kind, int candidates, Duration ttl, Duration heartbeat, Duration retry,
                               long[] latencies, long[] phases, long[] afterExpiry) {
        Stats stats = Stats.of(latencies);
        double ttlNanos = ttl.toNanos();
        System.out.printf(Locale.ROOT, "%n## Crash failover, %s, %d sidecars, TTL %s, heartbeat %s, retry %s,"
                        + " permit TTL %s%n%n", kind, candidates, LeaseConfig.fmt(ttl), LeaseConfig.fmt(heartbeat),
                LeaseConfig.fmt(retry), LeaseConfig.fmt(heartbeat));
        System.out.printf(Locale.ROOT, "kill -9 → first permit at another sidecar: p50 %.2f s, p95 %.2f s, max %.2f s"
                        + " (n=%d)%n", stats.p50() / 1e9, stats.p95() / 1e9, stats.max() / 1e9, stats.n());
        System.out.printf(Locale.ROOT, "as a ratio to the TTL: p50 %.3f, p95 %.3f, max %.3f%n",
                stats.p50() / ttlNanos, stats.p95() / ttlNanos, stats.max() / ttlNanos);
        Stats phase = Stats.of(phases);
        System.out.printf(Locale.ROOT, "kill after the last renewal seen: min %d ms, p50 %d ms, max %d ms%n",
                phase.min() / 1_000_000, phase.p50() / 1_000_000, phase.max() / 1_000_000);
        Stats late = Stats.of(afterExpiry);
        System.out.printf(Locale.ROOT, "permit after the killed holder's row expired: min %d ms, p50 %d ms, p95 %d ms,"
                        + " max %d ms%n", late.min() / 1_000_000, late.p50() / 1_000_000, late.p95() / 1_000_000,
                late.max() / 1_000_000);
        System.out.printf(Locale.ROOT, "store-clock: between TTL − heartbeat (%.1f s) and TTL, plus the wake-up,"
                        + " the acquisition and the client's 10 ms poll; observed: up to TTL + retry × 1.2 (%.1f s)%n",
                (ttl.toNanos() - heartbeat.toNanos()) / 1e9, (ttl.toNanos() + retry.toNanos() * 1.2) / 1e9);
        System.out.println("samples (ms): " + Arrays.toString(Arrays.stream(latencies).map(n -> n / 1_000_000).toArray()));
    }
}
