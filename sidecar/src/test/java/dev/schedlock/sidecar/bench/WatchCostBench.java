package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.store.jdbc.SqliteDialect;
import dev.schedlock.sidecar.store.jdbc.SqliteReleaseWatcher;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What the SQLite release watch costs a standby: one {@link SqliteReleaseWatcher} on a fresh,
 * migrated store file with nobody writing (a standby's steady state, where the holder's renewals
 * change the file only once per heartbeat), for each poll interval in turn; its thread's CPU time
 * as the JVM counts it ({@link ThreadMXBean#getThreadCpuTime}), per second and per poll.
 *
 * <p>Arguments: {@code [seconds per interval=30] [intervals in ms, comma-separated=50,20,10]}.
 */
public final class WatchCostBench {

    private WatchCostBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs a = new BenchArgs(args);
        int seconds = a.count(0, 30);
        long[] intervals = Arrays.stream(a.text(1, "50,20,10").split(",")).mapToLong(Long::parseLong).toArray();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "%n## SQLite release watch, CPU of its thread, %d s per interval, load %s%n%n",
                seconds, LoadAverage.now());
        System.out.println("| poll interval | polls/s | CPU per second | CPU per poll |");
        System.out.println("|---|---|---|---|");
        for (long interval : intervals) {
            BenchStores store = BenchStores.migrated("sqlite");
            SqliteDialect dialect = (SqliteDialect) store.dialect(Duration.ofSeconds(5));
            try (SqliteReleaseWatcher watcher = new SqliteReleaseWatcher(dialect, "watch-cost",
                    Duration.ofMillis(interval), () -> { })) {
                watcher.start();
                Thread.sleep(2000); // let it connect and settle before counting
                long thread = watcherThread();
                long cpu0 = threads.getThreadCpuTime(thread);
                long wall0 = System.nanoTime();
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds)); // the measurement is this much of its life
                long cpu = threads.getThreadCpuTime(thread) - cpu0;
                double wallSeconds = (System.nanoTime() - wall0) / 1e9;
                double polls = wallSeconds * 1000.0 / interval;
                System.out.printf(Locale.ROOT, "| %d ms | %.0f | %.2f ms (%.3f %% of a core) | %.1f µs |%n", interval,
                        polls / wallSeconds, cpu / 1e6 / wallSeconds, cpu / 1e7 / wallSeconds, cpu / 1e3 / polls);
            }
        }
    }

    private static long watcherThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("schedlock-release-watcher")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no release watcher thread")).getId();
    }
}
