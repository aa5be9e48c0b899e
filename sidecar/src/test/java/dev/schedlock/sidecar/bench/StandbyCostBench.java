package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.process.SidecarProcess;
import dev.schedlock.sidecar.store.jdbc.LocalPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a standby costs the store per minute: real sidecar processes with the sidecar's default
 * timing (TTL 60 s, heartbeat 10 s, retry 2 s), one leader first alone, then with
 * {@code standbys} more; each phase is measured over the same window, and the standbys' cost is
 * the difference divided by their number.
 *
 * <p>Counted: the standbys' acquire attempts (their own {@code schedlock_lease_acquire_attempts}
 * metric), and on PostgreSQL, in a database of the benchmark's own so that nothing else is
 * counted, the server's {@code pg_stat_database} figures for it: transactions committed and rolled
 * back, rows fetched, inserted, updated. On SQLite the file's write transactions cannot be counted
 * from outside: what an attempt does there is what the store's code does (before: a write
 * transaction that held the file's write lock and rolled back; now: a read), so only the
 * attempts are counted.
 *
 * <p>Arguments: {@code <sqlite|postgresql> [seconds=120] [standbys=2]}.
 */
public final class StandbyCostBench {

    private static final Pattern ATTEMPTS = Pattern.compile(
            "^schedlock_lease_acquire_attempts_total\\{[^}]*result=\"([a-z_]+)\"[^}]*\\} ([0-9.eE+]+)$",
            Pattern.MULTILINE);

    private StandbyCostBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs a = new BenchArgs(args);
        String kind = a.text(0, "sqlite");
        long seconds = a.count(1, 120);
        int standbys = a.count(2, 2);
        Path dir = Files.createTempDirectory("schedlock-bench-standby-cost");
        String database = "schedlock_standby_cost_" + Long.toHexString(System.nanoTime());
        List<String> store;
        Path sqlite = dir.resolve("lease.db");
        if (kind.equals("postgresql")) {
            admin("CREATE DATABASE " + database);
            store = List.of("--store", dbUrl(database), "--store-user", LocalPostgres.USER);
        } else {
            store = List.of("--store", "jdbc:sqlite:" + sqlite);
        }
        List<SidecarProcess> started = new ArrayList<>();
        try {
            SidecarProcess leader = start(dir, "leader", store, started);
            awaitLeading(leader);
            Counts alone = measure(kind, database, sqlite, seconds, List.of());
            List<SidecarProcess> waiting = new ArrayList<>();
            for (int i = 0; i < standbys; i++) {
                waiting.add(start(dir, "standby-" + i, store, started));
            }
            // Let them start and settle into their wait before counting.
            TimeUnit.SECONDS.sleep(15); // benchmark pacing
            Counts with = measure(kind, database, sqlite, seconds, waiting);
            report(kind, seconds, standbys, alone, with);
        } finally {
            for (SidecarProcess p : started) {
                p.close();
            }
            if (kind.equals("postgresql")) {
                admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }

    private static SidecarProcess start(Path dir, String name, List<String> store, List<SidecarProcess> started)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("run", "--lock-name", "standby-cost",
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0", "--pod-name", name));
        command.addAll(store);
        SidecarProcess p = SidecarProcess.start(name, dir, command);
        started.add(p);
        return p.awaitListening();
    }

    private static void awaitLeading(SidecarProcess p) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - end < 0) {
            if (get(p.statusUri("/v1/lease")).contains("\"state\":\"LEADER\"")) {
                return;
            }
            Thread.sleep(100); // benchmark polling
        }
        throw new IllegalStateException(p + " did not lead within 60 s");
    }

    /** Store and sidecar counters over one window of {@code seconds}. */
    record Counts(double attempts, long commits, long rollbacks, long fetched, long inserted, long updated) {
        Counts minus(Counts o) {
            return new Counts(attempts - o.attempts, commits - o.commits, rollbacks - o.rollbacks,
                    fetched - o.fetched, inserted - o.inserted, updated - o.updated);
        }
    }

    private static Counts measure(String kind, String database, Path sqlite, long seconds,
                                  List<SidecarProcess> standbys) throws Exception {
        Counts before = read(kind, database, sqlite, standbys);
        TimeUnit.SECONDS.sleep(seconds); // the measured window
        Counts after = read(kind, database, sqlite, standbys);
        return after.minus(before);
    }

    private static Counts read(String kind, String database, Path sqlite, List<SidecarProcess> standbys)
            throws Exception {
        double attempts = 0;
        for (SidecarProcess p : standbys) {
            Matcher m = ATTEMPTS.matcher(get(p.statusUri("/metrics")));
            while (m.find()) {
                attempts += Double.parseDouble(m.group(2));
            }
        }
        if (!kind.equals("postgresql")) {
            return new Counts(attempts, 0, 0, 0, 0, 0);
        }
        // Server statistics reach pg_stat_database when a backend's transaction ends (at most
        // once a second) or after 10 s idle: a window of minutes makes the edges negligible.
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs = st.executeQuery("SELECT xact_commit, xact_rollback, tup_fetched, tup_inserted,"
                    + " tup_updated FROM pg_stat_database WHERE datname = '" + database + "'")) {
                rs.next();
                return new Counts(attempts, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
            }
        }
    }

    private static void report(String kind, long seconds, int standbys, Counts alone, Counts with) {
        Counts extra = with.minus(alone);
        double perMinute = 60.0 / seconds / standbys;
        System.out.printf(Locale.ROOT, "%n## Standby cost, %s, %d standbys, default timing, %d s windows%n%n",
                kind, standbys, seconds);
        System.out.printf(Locale.ROOT, "per standby per minute: %.1f acquire attempts", with.attempts() * perMinute);
        if (kind.equals("postgresql")) {
            System.out.printf(Locale.ROOT, ", %.1f transactions committed, %.1f rolled back, %.1f rows fetched,"
                            + " %.1f rows inserted, %.1f rows updated%n", extra.commits() * perMinute,
                    extra.rollbacks() * perMinute, extra.fetched() * perMinute, extra.inserted() * perMinute,
                    extra.updated() * perMinute);
            System.out.printf(Locale.ROOT, "leader alone per minute: %.1f committed, %.1f rolled back, %.1f rows"
                            + " updated%n", alone.commits() * 60.0 / seconds, alone.rollbacks() * 60.0 / seconds,
                    alone.updated() * 60.0 / seconds);
        } else {
            System.out.println();
        }
    }

    private static String get(URI uri) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static String dbUrl(String database) {
        return LocalPostgres.URL.replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1");
    }

    private static Connection admin() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", LocalPostgres.USER);
        return DriverManager.getConnection(LocalPostgres.URL, props);
    }

    private static void admin(String sql) throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
