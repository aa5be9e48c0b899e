package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import dev.schedlock.sidecar.store.jdbc.SqliteDialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * The history's real queries at scale, with and without the V2 indexes, plus the write cost the
 * indexes add (per transition as the sidecar writes it: one durable transaction each) and the
 * file size. The queries are the store's own methods, so the numbers are for the SQL that ships.
 *
 * <p>Data: {@code rows} transitions over 100 locks, spread evenly over 90 days, appended in time
 * order as a running system writes them.
 */
public final class HistoryQueryBench {

    private static final int LOCKS = 100;
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final int QUERY_RUNS = 200;
    private static final int DURABLE_INSERTS = 300;

    private HistoryQueryBench() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createTempDirectory("schedlock-history-bench");
        System.out.printf(Locale.ROOT, "## History queries, SQLite, %,d rows%n%n", rows);
        System.out.println("| query | without indexes (V1) | with indexes (V2) |");
        System.out.println("|---|---|---|");
        Result without = run(dir.resolve("v1.db"), rows, 1);
        Result with = run(dir.resolve("v2.db"), rows, 2);
        for (int i = 0; i < without.queries.size(); i++) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", without.queries.get(i)[0], without.queries.get(i)[1],
                    with.queries.get(i)[1]);
        }
        System.out.printf(Locale.ROOT, "| bulk load of %,d rows (10k per transaction) | %.1f s | %.1f s |%n", rows,
                without.loadSeconds, with.loadSeconds);
        System.out.printf(Locale.ROOT, "| one transition, durable transaction (synchronous=FULL) | %s | %s |%n",
                without.durableInsert.millis(), with.durableInsert.millis());
        System.out.printf(Locale.ROOT, "| one transition, CPU only (synchronous=OFF) | %s | %s |%n",
                without.cpuInsert.micros(), with.cpuInsert.micros());
        System.out.printf(Locale.ROOT, "| database file size | %.1f MiB | %.1f MiB |%n", without.sizeMiB, with.sizeMiB);
        System.out.printf(Locale.ROOT, "| index build on the loaded table (migration V2) | - | %.1f s |%n%n",
                with.indexBuildSeconds);
        System.out.println("Query plans with indexes:");
        for (String plan : with.plans) {
            System.out.println("    " + plan);
        }
    }

    private record Result(List<String[]> queries, double loadSeconds, Stats durableInsert, Stats cpuInsert,
                          double sizeMiB, double indexBuildSeconds, List<String> plans) {
    }

    private static Result run(Path file, int rows, int schemaVersion) throws Exception {
        long now = System.currentTimeMillis();
        long start = now - 90 * DAY;
        double loadSeconds;
        double indexSeconds = 0;
        try (JdbcLeaseStore store = new JdbcLeaseStore(new SqliteDialect(file, Duration.ofSeconds(30)))) {
            store.migrateTo(1);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            long t0 = System.nanoTime();
            load(c, rows, start, now);
            loadSeconds = (System.nanoTime() - t0) / 1e9;
        }
        if (schemaVersion >= 2) {
            long t0 = System.nanoTime();
            try (JdbcLeaseStore store = new JdbcLeaseStore(new SqliteDialect(file, Duration.ofSeconds(60)))) {
                store.migrateTo(2);
            }
            indexSeconds = (System.nanoTime() - t0) / 1e9;
        }
        List<String[]> queries = new ArrayList<>();
        List<String> plans = new ArrayList<>();
        try (JdbcLeaseStore store = new JdbcLeaseStore(new SqliteDialect(file, Duration.ofSeconds(30)))) {
            String lock = "lock-42";
            long dayStart = now - 10 * DAY;
            queries.add(new String[] {"last 20 transitions of one lock (`history`)",
                time(i -> store.recentHistory(lock, 20)).micros()});
            queries.add(new String[] {"one lock, one day (`historyBetween`)",
                time(i -> store.historyBetween(lock, dayStart, dayStart + DAY)).micros()});
            queries.add(new String[] {"all locks, last hour (`historySince`, limit 1000)",
                time(i -> store.historySince(now - Duration.ofHours(1).toMillis(), 1000)).micros()});
            long[] pruneNanos = new long[5];
            for (int i = 0; i < pruneNanos.length; i++) {
                // Each prune removes about one more day of the oldest rows, as the hourly job does over time.
                long cutoff = start + (i + 1) * DAY / 24;
                long t0 = System.nanoTime();
                store.pruneHistory(cutoff);
                pruneNanos[i] = System.nanoTime() - t0;
            }
            queries.add(new String[] {"retention prune of the oldest hour (`pruneHistory`)", Stats.of(pruneNanos).micros()});
        }
        Stats durable;
        Stats cpu;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            plans.addAll(plans(c, now));
            durable = insertEach(c, "FULL", now);
            cpu = insertEach(c, "OFF", now);
        }
        double sizeMiB = (Files.size(file) + sizeOr0(Path.of(file + "-wal"))) / (1024.0 * 1024.0);
        return new Result(queries, loadSeconds, durable, cpu, sizeMiB, indexSeconds, plans);
    }

    private static long sizeOr0(Path p) throws java.io.IOException {
        return Files.exists(p) ? Files.size(p) : 0;
    }

    private static void load(Connection c, int rows, long start, long end) throws SQLException {
        String[] kinds = {"acquired", "released", "taken_over", "lost"};
        try (Statement st = c.createStatement()) {
            st.execute("PRAGMA synchronous = OFF"); // bulk load only; measured writes below use FULL
        }
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO scheduler_lock_history"
                + " (lock_name, kind, holder_id, holder_pod, holder_host, fencing_token, at_ms, reason)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, NULL)")) {
            double step = (double) (end - start) / rows;
            for (int i = 0; i < rows; i++) {
                int lock = i % LOCKS;
                ps.setString(1, "lock-" + lock);
                ps.setString(2, kinds[(i / LOCKS) % kinds.length]);
                ps.setString(3, "pod-" + (i % 7) + "/uid/" + Integer.toHexString(i));
                ps.setString(4, "pod-" + (i % 7));
                ps.setString(5, "node-" + (i % 3));
                ps.setLong(6, i / LOCKS + 1);
                ps.setLong(7, start + (long) (i * step));
                ps.addBatch();
                if (i % 10_000 == 9_999) {
                    ps.executeBatch();
                    c.commit();
                }
            }
            ps.executeBatch();
            c.commit();
        }
        c.setAutoCommit(true);
    }

    private static Stats insertEach(Connection c, String synchronous, long now) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("PRAGMA synchronous = " + synchronous);
        }
        long[] nanos = new long[DURABLE_INSERTS];
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO scheduler_lock_history"
                + " (lock_name, kind, holder_id, holder_pod, holder_host, fencing_token, at_ms, reason)"
                + " VALUES (?, 'acquired', 'pod-x/uid/n', 'pod-x', 'node-1', ?, ?, NULL)")) {
            for (int i = 0; i < nanos.length; i++) {
                ps.setString(1, "lock-" + (i % LOCKS));
                ps.setLong(2, 1_000_000 + i);
                ps.setLong(3, now + i);
                long t0 = System.nanoTime();
                ps.executeUpdate(); // autocommit: one transaction, as the sidecar writes a transition
                nanos[i] = System.nanoTime() - t0;
            }
        }
        return Stats.of(nanos);
    }

    private static List<String> plans(Connection c, long now) throws SQLException {
        String[] queries = {
            "SELECT * FROM scheduler_lock_history WHERE lock_name = 'lock-42' ORDER BY at_ms DESC, id DESC LIMIT 20",
            "SELECT * FROM scheduler_lock_history WHERE lock_name = 'lock-42' AND at_ms >= 0 AND at_ms < 1 ORDER BY at_ms, id",
            "SELECT * FROM scheduler_lock_history WHERE at_ms >= " + now + " ORDER BY at_ms, id LIMIT 1000",
            "DELETE FROM scheduler_lock_history WHERE at_ms < 0"};
        List<String> result = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            for (String q : queries) {
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN " + q)) {
                    while (rs.next()) {
                        plan.append(plan.length() == 0 ? "" : "; ").append(rs.getString("detail"));
                    }
                }
                result.add(q.substring(0, Math.min(70, q.length())) + "… → " + plan);
            }
        }
        return result;
    }

    private static Stats time(IntConsumer query) {
        for (int i = 0; i < 5; i++) {
            query.accept(i); // warm-up: page cache and JIT
        }
        int runs = QUERY_RUNS;
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            query.accept(i);
            nanos[i] = System.nanoTime() - t0;
            if (i == 20 && nanos[i] > 200_000_000L) {
                // A full scan of a million rows: a handful of runs says enough.
                return Stats.of(java.util.Arrays.copyOf(nanos, 21));
            }
        }
        return Stats.of(nanos);
    }
}
