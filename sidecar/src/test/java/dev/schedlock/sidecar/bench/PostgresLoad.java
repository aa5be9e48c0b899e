package dev.schedlock.sidecar.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * What a workload costs the PostgreSQL server, read before and after a window on a connection of
 * its own: the database's counters ({@code pg_stat_database}: commits, rollbacks, blocks, tuples),
 * the workload's tables ({@code pg_stat_user_tables} of its schema: updates, HOT updates), the WAL
 * written, and CPU time from {@code /proc} of the whole server (the postmaster and all its children)
 * and of the workload's own backends. The database counters and the server's CPU include whatever
 * else runs on the same server meanwhile; the table counters and the backends' CPU do not.
 * PostgreSQL publishes counters up to a second late, a small error over a window of a minute.
 */
final class PostgresLoad implements AutoCloseable {

    private final Connection connection;
    private final String schema;
    private final long postmaster;
    private List<Long> backends = List.of();

    private PostgresLoad(Connection connection, String schema, long postmaster) {
        this.connection = connection;
        this.schema = schema;
        this.postmaster = postmaster;
    }

    static PostgresLoad open(String url, String user, String schema) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("ApplicationName", "schedlock-bench-probe");
        Connection c = DriverManager.getConnection(url, props);
        long self;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            self = rs.getLong(1);
        }
        // The server runs on this machine: the probe's backend is a child of the postmaster.
        return new PostgresLoad(c, schema, ProcessCpu.parent(self));
    }

    /** Finds the workload's backends: those whose last statement named its schema. */
    void findBackends() throws SQLException {
        List<Long> pids = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT pid FROM pg_stat_activity"
                + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND position(? in query) > 0")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getLong(1));
                }
            }
        }
        backends = List.copyOf(pids);
    }

    int backendCount() {
        return backends.size();
    }

    record Sample(long atNanos, long commits, long rollbacks, long blocksRead, long blocksHit, long tuplesReturned,
                  long tuplesFetched, long tuplesInserted, long tuplesUpdated, long tuplesDeleted,
                  long tableUpdates, long tableHotUpdates, long walBytes, ProcessCpu.Machine machine,
                  long serverTicks, long backendTicks) {
    }

    Sample sample() throws SQLException {
        long commits;
        long rollbacks;
        long blocksRead;
        long blocksHit;
        long returned;
        long fetched;
        long inserted;
        long updated;
        long deleted;
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT xact_commit, xact_rollback, blks_read, blks_hit, tup_returned, tup_fetched, tup_inserted,"
                        + " tup_updated, tup_deleted FROM pg_stat_database WHERE datname = current_database()")) {
            rs.next();
            commits = rs.getLong(1);
            rollbacks = rs.getLong(2);
            blocksRead = rs.getLong(3);
            blocksHit = rs.getLong(4);
            returned = rs.getLong(5);
            fetched = rs.getLong(6);
            inserted = rs.getLong(7);
            updated = rs.getLong(8);
            deleted = rs.getLong(9);
        }
        long tableUpdates;
        long hotUpdates;
        try (PreparedStatement ps = connection.prepareStatement("SELECT coalesce(sum(n_tup_upd), 0),"
                + " coalesce(sum(n_tup_hot_upd), 0) FROM pg_stat_user_tables WHERE schemaname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                tableUpdates = rs.getLong(1);
                hotUpdates = rs.getLong(2);
            }
        }
        long wal;
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
            rs.next();
            wal = rs.getLong(1);
        }
        return new Sample(System.nanoTime(), commits, rollbacks, blocksRead, blocksHit, returned, fetched, inserted,
                updated, deleted, tableUpdates, hotUpdates, wal, ProcessCpu.machine(),
                postmaster == 0 ? 0 : ProcessCpu.ticks(ProcessCpu.withChildren(postmaster)), ProcessCpu.ticks(backends));
    }

    /** The load between two samples, per second. */
    record Rates(double seconds, double commits, double rollbacks, double blocksRead, double blocksHit,
                 double tuplesReturned, double tuplesFetched, double tuplesInserted, double tuplesUpdated,
                 double tuplesDeleted, double tableUpdates, double tableHotUpdates, double walBytes,
                 double serverCores, double backendCores) {

        static Rates between(Sample a, Sample b) {
            double s = (b.atNanos() - a.atNanos()) / 1e9;
            return new Rates(s, (b.commits() - a.commits()) / s, (b.rollbacks() - a.rollbacks()) / s,
                    (b.blocksRead() - a.blocksRead()) / s, (b.blocksHit() - a.blocksHit()) / s,
                    (b.tuplesReturned() - a.tuplesReturned()) / s, (b.tuplesFetched() - a.tuplesFetched()) / s,
                    (b.tuplesInserted() - a.tuplesInserted()) / s, (b.tuplesUpdated() - a.tuplesUpdated()) / s,
                    (b.tuplesDeleted() - a.tuplesDeleted()) / s, (b.tableUpdates() - a.tableUpdates()) / s,
                    (b.tableHotUpdates() - a.tableHotUpdates()) / s, (b.walBytes() - a.walBytes()) / s,
                    a.machine().cores(b.serverTicks() - a.serverTicks(), b.machine()),
                    a.machine().cores(b.backendTicks() - a.backendTicks(), b.machine()));
        }

        String describe() {
            return String.format(Locale.ROOT, "commits %,.0f/s, rollbacks %,.0f/s; tuples updated %,.0f/s (in the"
                            + " benchmark's tables %,.0f/s, %.0f %% HOT), inserted %,.0f/s, returned %,.0f/s, fetched"
                            + " %,.0f/s; blocks hit %,.0f/s, read %,.0f/s; WAL %.2f MB/s; CPU: server %.2f cores,"
                            + " the benchmark's backends %.2f cores",
                    commits, rollbacks, tuplesUpdated, tableUpdates,
                    tableUpdates == 0 ? 0 : 100 * tableHotUpdates / tableUpdates, tuplesInserted, tuplesReturned,
                    tuplesFetched, blocksHit, blocksRead, walBytes / 1e6, serverCores, backendCores);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
