package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.TakeoverRule;
import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import dev.schedlock.sidecar.store.jdbc.SqlDialect;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.provider.jdbc.JdbcLockProvider;

/**
 * Anchor: ShedLock's JDBC lock provider ({@code JdbcLockProvider}) beside schedlock's store on the
 * same fresh store, in the same run, with the same worker threads (one connection each), so the
 * result is a ratio on one machine.
 *
 * <p>What a ShedLock operation is: {@code lock()} is one {@code UPDATE … SET lock_until = ? WHERE
 * name = ? AND lock_until <= ?} (an {@code INSERT} the first time a provider sees a name), with
 * both times from the application's clock; {@code unlock()} sets {@code lock_until} to now;
 * {@code extend()} moves {@code lock_until} where {@code locked_by} is this host's name. There is
 * no fencing token, no heartbeat (a lock lasts {@code lockAtMostFor} unless the caller extends it)
 * and no history. A schedlock acquire or release is one transaction that reads the store's clock,
 * locks the row, bumps the fencing token (acquire) and appends a history row.
 *
 * <p>Workloads: own names (each thread locks and unlocks names no other thread uses), and the
 * mix of {@link ThroughputBench}: each thread holds its share of 200 locks, renews (ShedLock:
 * extends) them in turn and makes two contended attempts on other threads' held locks per renewal.
 * Before counting, it checks that ShedLock refuses a held lock to a second caller on this store.
 *
 * <p>Arguments: {@code <sqlite|postgresql> [seconds per workload] [threads]}.
 */
public final class ShedLockBench {

    private static final int LOCKS = 200;
    private static final int CANDIDATES = 3;
    private static final Duration HELD = Duration.ofHours(1); // nothing expires during the run
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String TABLE = "shedlock";

    private ShedLockBench() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "sqlite";
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        String loadBefore = LoadAverage.now();
        // schedlock refuses to share its database with another application's tables: ShedLock
        // gets a fresh store of the same kind beside it (SQLite: a file on the same disk).
        BenchStores stores = BenchStores.fresh(kind);
        BenchStores shedLockStores = BenchStores.fresh(kind);
        try {
            try (JdbcLeaseStore store = stores.open(TIMEOUT)) {
                store.migrate();
            }
            SqlDialect dialect = shedLockStores.dialect(TIMEOUT);
            createTable(dialect);
            String stored = checkRefusal(dialect);
            TimedWorkers.Rates shedCycle = TimedWorkers.run(threads, seconds,
                    w -> new ShedLockCycle(new Provider(dialect), names("cycle-" + w + "-", LOCKS / threads)));
            TimedWorkers.Rates ourCycle = TimedWorkers.run(threads, seconds,
                    w -> new LeaseCycle(stores.open(TIMEOUT), w, names("cycle-" + w + "-", LOCKS / threads)));
            TimedWorkers.Rates shedMix = TimedWorkers.run(threads, seconds,
                    w -> new ShedLockHolder(new Provider(dialect), w, threads));
            TimedWorkers.Rates ourMix = ThroughputBench.measure(stores, LOCKS, CANDIDATES, seconds, threads);
            report(kind, seconds, threads, stored, loadBefore, shedCycle, ourCycle, shedMix, ourMix);
        } finally {
            stores.drop();
            shedLockStores.drop();
        }
    }

    private static List<String> names(String prefix, int count) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < Math.max(1, count); i++) {
            names.add(prefix + i);
        }
        return names;
    }

    /**
     * ShedLock's documented table, set up as schedlock sets up its own: SQLite in WAL mode,
     * PostgreSQL in the benchmark's schema.
     */
    static void createTable(SqlDialect dialect) throws SQLException {
        try (Connection c = dialect.connectOrCreate()) { // a new database beside schedlock's
            dialect.beforeMigrate(c);
            dialect.beginWrite(c);
            dialect.lockForMigration(c);
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + dialect.qualify(TABLE) + " (name VARCHAR(64) NOT NULL PRIMARY KEY,"
                        + " lock_until TIMESTAMP NOT NULL, locked_at TIMESTAMP NOT NULL,"
                        + " locked_by VARCHAR(255) NOT NULL)");
            }
            dialect.commit(c);
        }
    }

    /**
     * A held lock must be refused to a second caller (its own provider and connection), and be
     * granted once released; returns how the store kept {@code lock_until} (SQLite has no
     * timestamp type: the driver writes epoch milliseconds).
     */
    static String checkRefusal(SqlDialect dialect) throws SQLException {
        try (Provider first = new Provider(dialect); Provider second = new Provider(dialect)) {
            SimpleLock held = first.lock("refusal-check")
                    .orElseThrow(() -> new IllegalStateException("ShedLock did not grant a free lock"));
            if (second.lock("refusal-check").isPresent()) {
                throw new IllegalStateException("ShedLock granted a held lock to a second caller on " + dialect.name());
            }
            String stored = storedLockUntil(dialect, first.dataSource.getConnection());
            held.unlock();
            second.lock("refusal-check")
                    .orElseThrow(() -> new IllegalStateException("ShedLock did not grant a released lock"))
                    .unlock();
            return stored;
        }
    }

    private static String storedLockUntil(SqlDialect dialect, Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT lock_until FROM " + dialect.qualify(TABLE) + " WHERE name = ?")) {
            ps.setString(1, "refusal-check");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Object value = rs.getObject(1);
                return value.getClass().getSimpleName() + " " + value;
            }
        }
    }

    /** One thread's ShedLock provider on a connection of its own. */
    private static final class Provider implements AutoCloseable {
        private final SingleConnectionDataSource dataSource;
        private final JdbcLockProvider provider;

        Provider(SqlDialect dialect) throws SQLException {
            this.dataSource = new SingleConnectionDataSource(dialect.connect());
            this.provider = new JdbcLockProvider(dataSource, dialect.qualify(TABLE));
        }

        Optional<SimpleLock> lock(String name) {
            return provider.lock(new LockConfiguration(ClockProvider.now(), name, HELD, Duration.ZERO));
        }

        @Override
        public void close() throws SQLException {
            dataSource.close();
        }
    }

    /** Own names: lock (counted first), unlock (second); a refused lock is an error. */
    private static final class ShedLockCycle implements TimedWorkers.Worker {
        private final Provider provider;
        private final List<String> names;
        private int i;

        ShedLockCycle(Provider provider, List<String> names) {
            this.provider = provider;
            this.names = names;
        }

        @Override
        public void step(TimedWorkers.Counts counts) {
            String name = names.get(i++ % names.size());
            Optional<SimpleLock> lock = provider.lock(name);
            if (lock.isEmpty()) {
                counts.error("lock() refused " + name + ", which no other thread uses");
                return;
            }
            counts.first.increment();
            lock.get().unlock();
            counts.second.increment();
        }

        @Override
        public void close() {
            closeQuietly(provider);
        }
    }

    /** Own names on schedlock's store: acquire (counted first), release (second). */
    private static final class LeaseCycle implements TimedWorkers.Worker {
        private final JdbcLeaseStore store;
        private final HolderIdentity me;
        private final List<String> names;
        private int i;

        LeaseCycle(JdbcLeaseStore store, int worker, List<String> names) {
            this.store = store;
            this.me = HolderIdentity.forThisProcess("cycle-" + worker, null, "localhost");
            this.names = names;
        }

        @Override
        public void step(TimedWorkers.Counts counts) {
            String name = names.get(i++ % names.size());
            AcquireResult r = store.tryAcquire(name, me, HELD.toMillis(), TakeoverRule.expired());
            if (!r.acquired()) {
                counts.error("acquire refused " + name + ", which no other thread uses");
                return;
            }
            counts.first.increment();
            if (store.release(name, me.id(), r.fencingToken())) {
                counts.second.increment();
            } else {
                counts.error("release of " + name + " found another holder");
            }
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /**
     * {@link ThroughputBench}'s mix with ShedLock: holds every {@code workers}-th lock, extends
     * them in turn (first) and tries to lock other threads' held locks (second: each must be refused;
     * a granted one is an error).
     */
    private static final class ShedLockHolder implements TimedWorkers.Worker {
        private final Provider provider;
        private final int worker;
        private final int workers;
        private final List<SimpleLock> held = new ArrayList<>();
        private int i;

        ShedLockHolder(Provider provider, int worker, int workers) {
            this.provider = provider;
            this.worker = worker;
            this.workers = workers;
            for (int l = worker; l < LOCKS; l += workers) {
                String name = "lock-" + l;
                held.add(provider.lock(name).orElseThrow(() -> new IllegalStateException(name + " was not free")));
            }
        }

        @Override
        public void step(TimedWorkers.Counts counts) {
            int round = i++;
            int index = round % held.size();
            Optional<SimpleLock> extended = held.get(index).extend(HELD, Duration.ZERO);
            if (extended.isPresent()) {
                held.set(index, extended.get());
                counts.first.increment();
            } else {
                counts.error("extend() refused a held lock");
            }
            for (int c = 0; c < CANDIDATES - 1; c++) {
                String other = "lock-" + ((worker + 1 + (round + c) * workers) % LOCKS);
                if (provider.lock(other).isPresent()) {
                    counts.error("lock() granted " + other + ", which another thread holds");
                } else {
                    counts.second.increment();
                }
            }
        }

        @Override
        public void close() {
            closeQuietly(provider);
        }
    }

    private static void closeQuietly(Provider provider) {
        try {
            provider.close();
        } catch (SQLException e) {
            // the run is over; nothing to do about a failed close
        }
    }

    private static void report(String kind, int seconds, int threads, String stored, String loadBefore,
            TimedWorkers.Rates shedCycle, TimedWorkers.Rates ourCycle, TimedWorkers.Rates shedMix,
            TimedWorkers.Rates ourMix) {
        System.out.printf(Locale.ROOT, "## ShedLock anchor, %s, %d threads, %d s per workload%n%n", kind, threads,
                seconds);
        System.out.printf(Locale.ROOT, "ShedLock %s JdbcLockProvider; a held lock was refused to a second caller"
                + " (lock_until stored as %s)%n", shedLockVersion(), stored);
        System.out.printf(Locale.ROOT, "load average before: %s, after: %s%n%n", loadBefore, LoadAverage.now());
        System.out.println("| workload | ShedLock | schedlock | schedlock ÷ ShedLock |");
        System.out.println("|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| own names, lock + unlock | %,.0f lock/s + %,.0f unlock/s, errors %d"
                        + " | %,.0f acquire/s + %,.0f release/s, errors %d | %.2f |%n",
                shedCycle.first(), shedCycle.second(), shedCycle.errors(),
                ourCycle.first(), ourCycle.second(), ourCycle.errors(), ourCycle.first() / shedCycle.first());
        System.out.printf(Locale.ROOT, "| %d held locks: renew + %d refused attempts | %,.0f extend/s + %,.0f refused"
                        + " lock/s, errors %d | %,.0f renew/s + %,.0f refused acquire/s, errors %d | %.2f |%n",
                LOCKS, CANDIDATES - 1, shedMix.first(), shedMix.second(), shedMix.errors(),
                ourMix.first(), ourMix.second(), ourMix.errors(),
                (ourMix.first() + ourMix.second()) / (shedMix.first() + shedMix.second()));
        firstError("ShedLock, own names", shedCycle);
        firstError("schedlock, own names", ourCycle);
        firstError("ShedLock, held locks", shedMix);
        firstError("schedlock, held locks", ourMix);
    }

    private static void firstError(String workload, TimedWorkers.Rates rates) {
        if (rates.firstError() != null) {
            System.out.printf(Locale.ROOT, "%nfirst error (%s): %s%n", workload, rates.firstError());
        }
    }

    /** The version in ShedLock's jar (Maven's pom.properties). */
    private static String shedLockVersion() {
        try (InputStream in = JdbcLockProvider.class.getResourceAsStream(
                "/META-INF/maven/net.javacrumbs.shedlock/shedlock-provider-jdbc/pom.properties")) {
            if (in == null) {
                return "(version unknown)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "(version unknown)");
        } catch (IOException e) {
            return "(version unknown)";
        }
    }
}
