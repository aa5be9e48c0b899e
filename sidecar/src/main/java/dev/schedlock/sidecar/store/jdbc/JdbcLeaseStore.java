package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HistoryEntry;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.sidecar.store.ReleaseWatch;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.TakeoverRule;
import dev.schedlock.sidecar.store.TransitionKind;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The lease table on any JDBC database, with a {@link SqlDialect} for what differs.
 *
 * <p>Each operation is either one conditional statement with the owner guard, or one transaction
 * that takes the write lock before it reads ({@code BEGIN IMMEDIATE} on SQLite,
 * {@code SELECT … FOR UPDATE} on PostgreSQL). Success is "exactly one row changed".
 *
 * <p>Expiry is always judged by the store's clock ({@link SqlDialect#nowMillisExpression()}) and
 * the TTL stored in the row, never by the caller's clock or configuration.
 *
 * <p>One connection, used from one thread at a time; it is reopened after a connection failure.
 *
 * <p>Every operation also checks that the store is still the one this process has been using:
 * the dialect's address must still name what the connection has open (a SQLite file deleted or
 * replaced, see {@link SqliteOpenFiles}), and the store id must not change (tables dropped and
 * recreated, another database at the address). If not, the operation fails with
 * {@link StoreException.Kind#STORE_REPLACED}, whatever it did; the connection is dropped, so that
 * the next operation opens the store now at the address, and the new store id is taken from then
 * on. Nothing is ever created or rewritten to repair a replaced store.
 */
public final class JdbcLeaseStore implements LeaseStore {

    /** What a migration is called in store errors; SQLite waits longer for locks during one. */
    static final String MIGRATION = "migration";

    private static final System.Logger LOG = System.getLogger(JdbcLeaseStore.class.getName());

    private static final String ROW_COLUMNS =
            "name, holder_id, holder_host, holder_pid, holder_pod, fencing_token, acquired_at, heartbeat_at, ttl_ms";
    private static final String HISTORY_COLUMNS =
            "id, lock_name, kind, holder_id, holder_pod, holder_host, fencing_token, at_ms, reason";
    private static final String IDENTITY_TABLE = "store_identity";

    private final SqlDialect dialect;
    private final String now;
    private final String lockTable;
    private final String historyTable;
    private final String identityTable;
    private Connection connection;
    /** What {@link #connection} has open, checked around every operation. */
    private OpenedStore opened = OpenedStore.UNCHECKED;
    /** The id of the store this process has been using; null until a migrated store was opened. */
    private volatile String storeId;
    private boolean closed;
    /** Once true, only a migration may create the store. */
    private boolean openedBefore;

    public JdbcLeaseStore(SqlDialect dialect) {
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.now = dialect.nowMillisExpression();
        this.lockTable = dialect.qualify("scheduler_lock");
        this.historyTable = dialect.qualify("scheduler_lock_history");
        this.identityTable = dialect.qualify(IDENTITY_TABLE);
    }

    public SqlDialect dialect() {
        return dialect;
    }

    @Override
    public String describe() {
        return dialect.describe();
    }

    /** The dialect's watch: NOTIFY on PostgreSQL, a data-version poll on SQLite. */
    @Override
    public ReleaseWatch releaseWatch(String lockName, Runnable onRelease) {
        return dialect.releaseWatch(lockName, onRelease);
    }

    // ------------------------------------------------------------------ schema

    @Override
    public void migrate() {
        migrate(Migration.forDialect(dialect.name()));
    }

    /** Migrates only up to {@code version}; for benchmarks that compare schema levels. */
    public void migrateTo(int version) {
        migrate(Migration.forDialect(dialect.name(), version));
    }

    /**
     * The id written when the store's schema was created (or upgraded to schema version 3), as of
     * the last operation; null before a migrated store was opened, or for an older schema.
     */
    @Override
    public String storeId() {
        return storeId;
    }

    @Override
    public int schemaVersion() {
        return run("schema version check", c -> SchemaMigrator.currentVersion(dialect, c));
    }

    // ------------------------------------------------------------------ lease operations

    @Override
    public AcquireResult tryAcquire(String lockName, HolderIdentity holder, long ttlMs, TakeoverRule rule) {
        Objects.requireNonNull(rule, "rule");
        return inWriteTransaction("acquire of lock '" + lockName + "'", c -> {
            // 0. Under the write lock: still the store this process knows (its tokens, its id)?
            requireSameStoreId(c);
            // 1. One reading of the store's clock for the whole transaction.
            long nowMs = queryLong(c, "SELECT " + now);
            // 2. Make sure the row exists (free, token 0), so that step 3 can lock it.
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO " + lockTable + " (name, fencing_token, acquired_at, heartbeat_at, ttl_ms)"
                            + " VALUES (?, 0, 0, 0, 0) ON CONFLICT (name) DO NOTHING")) {
                ps.setString(1, lockName);
                ps.executeUpdate();
            }
            // 3. Read the row under the write lock.
            LockRow current = readRow(c, lockName, nowMs, dialect.lockRowSuffix()).orElseThrow();
            // 4. Decide: free, our own, or a takeover the rule allows.
            TransitionKind kind = decide(current, holder.id(), rule);
            if (kind == null) {
                dialect.rollback(c);
                return new AcquireResult(false, null, current);
            }
            // 5. Take it: the guard repeats the decision, so success is exactly one row changed.
            //    The token is incremented in the same statement.
            int changed;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE " + lockTable + " SET holder_id = ?, holder_host = ?, holder_pid = ?, holder_pod = ?,"
                            + " fencing_token = fencing_token + 1, acquired_at = ?, heartbeat_at = ?, ttl_ms = ?"
                            + " WHERE name = ? AND fencing_token = ?"
                            + " AND (holder_id IS NULL OR holder_id = ? OR heartbeat_at + ttl_ms < ?)")) {
                ps.setString(1, holder.id());
                ps.setString(2, holder.host());
                ps.setLong(3, holder.pid());
                ps.setString(4, holder.pod());
                ps.setLong(5, nowMs);
                ps.setLong(6, nowMs);
                ps.setLong(7, ttlMs);
                ps.setString(8, lockName);
                ps.setLong(9, current.fencingToken());
                ps.setString(10, holder.id());
                ps.setLong(11, nowMs);
                changed = ps.executeUpdate();
            }
            if (changed != 1) {
                dialect.rollback(c);
                return new AcquireResult(false, null, current);
            }
            long token = current.fencingToken() + 1;
            String reason = kind == TransitionKind.TAKEN_OVER
                    ? "expired holding of " + current.holderId() + " (token " + current.fencingToken()
                      + ", heartbeat " + (nowMs - current.heartbeatAtMs()) + " ms ago, ttl " + current.ttlMs() + " ms)"
                    : null;
            insertHistory(c, lockName, kind, holder.id(), holder.pod(), holder.host(), token, nowMs, reason);
            // 6. Commit durably (SQLite: synchronous=FULL) before anyone may use the token.
            dialect.commit(c);
            checkpoint(c);
            LockRow acquired = new LockRow(lockName, holder.id(), holder.host(), holder.pid(), holder.pod(),
                    token, nowMs, nowMs, ttlMs, nowMs);
            return new AcquireResult(true, kind, acquired);
        });
    }

    private static TransitionKind decide(LockRow row, String holderId, TakeoverRule rule) {
        if (row.isFree()) {
            return TransitionKind.ACQUIRED;
        }
        if (row.holderId().equals(holderId)) {
            // Our own holding (e.g. a renewal that answered after our local deadline): take it
            // back with a new token, so that a token names one continuous validity period.
            return TransitionKind.ACQUIRED;
        }
        if (!row.isExpired()) {
            return null;
        }
        if (rule instanceof TakeoverRule.Expired) {
            return TransitionKind.TAKEN_OVER;
        }
        if (rule instanceof TakeoverRule.ExpiredAndUnchanged seen
                && row.holderId().equals(seen.holderId())
                && row.fencingToken() == seen.fencingToken()
                && row.heartbeatAtMs() == seen.heartbeatAtMs()) {
            return TransitionKind.TAKEN_OVER;
        }
        return null;
    }

    @Override
    public boolean renew(String lockName, String holderId, long fencingToken, long ttlMs) {
        return run("renewal of lock '" + lockName + "'", c -> {
            // One statement: owner guard + not expired by the store's clock, evaluated once.
            int changed;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE " + lockTable + " AS l SET heartbeat_at = n.now_ms, ttl_ms = ?"
                            + " FROM (SELECT " + now + " AS now_ms) AS n"
                            + " WHERE l.name = ? AND l.holder_id = ? AND l.fencing_token = ?"
                            + " AND l.heartbeat_at + l.ttl_ms >= n.now_ms")) {
                ps.setLong(1, ttlMs);
                ps.setString(2, lockName);
                ps.setString(3, holderId);
                ps.setLong(4, fencingToken);
                changed = ps.executeUpdate();
            }
            if (changed == 1) {
                return true;
            }
            // Refused: a store whose id changed must say so, not merely "lost".
            requireSameStoreId(c);
            recordLost(c, lockName, holderId, fencingToken);
            return false;
        });
    }

    private void recordLost(Connection c, String lockName, String holderId, long fencingToken) {
        // Best effort: the holder learned it lost the lease. Failing to write this row changes
        // nothing about the lease, so it is logged, not thrown.
        try {
            insertHistory(c, lockName, TransitionKind.LOST, holderId, null, null, fencingToken,
                    queryLong(c, "SELECT " + now), "renewal found the holding expired or taken");
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "could not record lost holding of lock ''{0}'' in history: {1}",
                    lockName, e.getMessage());
        }
    }

    @Override
    public boolean release(String lockName, String holderId, long fencingToken) {
        return inWriteTransaction("release of lock '" + lockName + "'", c -> {
            long nowMs = queryLong(c, "SELECT " + now);
            Optional<LockRow> row = readRow(c, lockName, nowMs, dialect.lockRowSuffix());
            if (clearHolder(c, lockName, holderId, fencingToken, nowMs) != 1) {
                dialect.rollback(c);
                return false;
            }
            LockRow before = row.orElseThrow();
            insertHistory(c, lockName, TransitionKind.RELEASED, holderId, before.holderPod(), before.holderHost(),
                    fencingToken, nowMs, null);
            notifyRelease(c, lockName);
            dialect.commit(c);
            return true;
        });
    }

    /**
     * Frees the row if it is still this holding (owner guard). The token is kept: the next
     * acquisition increments it.
     *
     * @return rows changed (1 on success)
     */
    private int clearHolder(Connection c, String lockName, String holderId, long fencingToken, long nowMs)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE " + lockTable + " SET holder_id = NULL, holder_host = NULL, holder_pid = NULL,"
                        + " holder_pod = NULL, heartbeat_at = ? WHERE name = ? AND holder_id = ? AND fencing_token = ?")) {
            ps.setLong(1, nowMs);
            ps.setString(2, lockName);
            ps.setString(3, holderId);
            ps.setLong(4, fencingToken);
            return ps.executeUpdate();
        }
    }

    /** Wakes waiting candidates when the transaction commits (PostgreSQL NOTIFY); no-op elsewhere. */
    private void notifyRelease(Connection c, String lockName) throws SQLException {
        String sql = dialect.afterReleaseStatement();
        if (sql == null) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, lockName);
            ps.execute();
        }
    }

    @Override
    public Optional<LockRow> forceRelease(String lockName, String reason) {
        return inWriteTransaction("forced release of lock '" + lockName + "'", c -> {
            long nowMs = queryLong(c, "SELECT " + now);
            Optional<LockRow> row = readRow(c, lockName, nowMs, dialect.lockRowSuffix());
            if (row.isEmpty() || row.get().isFree()) {
                dialect.rollback(c);
                return Optional.<LockRow>empty();
            }
            LockRow before = row.get();
            if (clearHolder(c, lockName, before.holderId(), before.fencingToken(), nowMs) != 1) {
                dialect.rollback(c);
                return Optional.<LockRow>empty();
            }
            insertHistory(c, lockName, TransitionKind.FORCE_RELEASED, before.holderId(), before.holderPod(),
                    before.holderHost(), before.fencingToken(), nowMs, reason);
            notifyRelease(c, lockName);
            dialect.commit(c);
            return row;
        });
    }

    @Override
    public Optional<LockRow> inspect(String lockName) {
        return run("inspection of lock '" + lockName + "'", c -> {
            long nowMs = queryLong(c, "SELECT " + now);
            return readRow(c, lockName, nowMs, "");
        });
    }

    @Override
    public long storeTimeMillis() {
        return run("clock read", c -> queryLong(c, "SELECT " + now));
    }

    // ------------------------------------------------------------------ history

    @Override
    public List<HistoryEntry> recentHistory(String lockName, int limit) {
        return run("history query", c -> queryHistory(c,
                "SELECT " + HISTORY_COLUMNS + " FROM " + historyTable + " WHERE lock_name = ?"
                        + " ORDER BY at_ms DESC, id DESC LIMIT ?",
                ps -> {
                    ps.setString(1, lockName);
                    ps.setInt(2, limit);
                }));
    }

    @Override
    public List<HistoryEntry> historyBetween(String lockName, long fromMs, long toMs) {
        return run("history query", c -> queryHistory(c,
                "SELECT " + HISTORY_COLUMNS + " FROM " + historyTable + " WHERE lock_name = ?"
                        + " AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id",
                ps -> {
                    ps.setString(1, lockName);
                    ps.setLong(2, fromMs);
                    ps.setLong(3, toMs);
                }));
    }

    @Override
    public List<HistoryEntry> historySince(long sinceMs, int limit) {
        return run("history query", c -> queryHistory(c,
                "SELECT " + HISTORY_COLUMNS + " FROM " + historyTable + " WHERE at_ms >= ?"
                        + " ORDER BY at_ms, id LIMIT ?",
                ps -> {
                    ps.setLong(1, sinceMs);
                    ps.setInt(2, limit);
                }));
    }

    @Override
    public int pruneHistory(long olderThanMs) {
        return run("history prune", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + historyTable + " WHERE at_ms < ?")) {
                ps.setLong(1, olderThanMs);
                return ps.executeUpdate();
            }
        });
    }

    // ------------------------------------------------------------------ plumbing

    @Override
    public synchronized void close() {
        closed = true;
        closeConnection();
    }

    private void closeConnection() {
        if (connection != null) {
            closeQuietly(connection);
            connection = null;
            opened = OpenedStore.UNCHECKED;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            LOG.log(Level.DEBUG, "closing store connection: {0}", e.getMessage());
        }
    }

    private Connection connection() throws SQLException {
        return connection(false);
    }

    /** The store's one connection, opened the dialect's way for a migration if it opens now. */
    private Connection connection(boolean forMigration) throws SQLException {
        if (closed) {
            throw new StoreException(StoreException.Kind.UNAVAILABLE, "store " + describe() + " is closed");
        }
        if (connection == null) {
            OpenedStore opening = dialect.beforeOpen();
            // A migration may create the store; other work only until this store first opened it:
            // a store that vanished under a running sidecar stays vanished (never repaired).
            Connection c = forMigration ? dialect.connectForMigration()
                    : openedBefore ? dialect.connect() : dialect.connectOrCreate();
            try {
                opening.opened();
            } catch (RuntimeException e) {
                closeQuietly(c);
                throw e;
            }
            connection = c;
            opened = opening;
            openedBefore = true;
            if (!forMigration) {
                // A store id that changed is reported once; the connection stays: it is on the store
                // now at the address, which is used from here on.
                checkStoreId(c);
            }
        }
        return connection;
    }

    private synchronized void migrate(List<Migration> migrations) {
        try {
            Connection c = connection(true);
            new SchemaMigrator(dialect, migrations).migrate(c);
            checkpoint(c);
            checkStoreId(c);
        } catch (SQLException e) {
            throw failure(e, MIGRATION);
        } catch (StoreException e) {
            throw ofThisStore(e);
        }
    }

    /** {@code e} as this store's error: on a database server, never permanent. */
    private StoreException ofThisStore(StoreException e) {
        return dialect.isServer() ? e.fixableOnServer() : e;
    }

    /**
     * Checks that the address still names what the connection has open; if not, drops the
     * connection (the next operation opens the store now at the address) and throws.
     */
    private void requireSameStore() {
        try {
            opened.verify();
        } catch (StoreException e) {
            closeConnection();
            throw e;
        }
    }

    /** Reads the store id; takes it if none was known, throws once if it changed or is gone. */
    private void checkStoreId(Connection c) throws SQLException {
        String current = dialect.existingTables(c).contains(IDENTITY_TABLE) ? queryStoreId(c) : null;
        if (current == null && storeId == null) {
            return; // not migrated yet, or a schema older than the store id (one-shot commands)
        }
        adopt(current);
    }

    /** Inside an operation: the store id must be the one known (skipped while none is known). */
    private void requireSameStoreId(Connection c) throws SQLException {
        if (storeId != null) {
            adopt(queryStoreId(c));
        }
    }

    private String queryStoreId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT store_id FROM " + identityTable)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private void adopt(String current) {
        String previous = storeId;
        if (current == null) {
            throw new StoreException(StoreException.Kind.STORE_REPLACED, describe() + ": the identity of store "
                    + previous + " is gone: its tables were dropped or the database replaced. The lease held in it is"
                    + " revoked at once. A running sidecar does not recreate the schema; a sidecar that starts"
                    + " creates a new store, with a new store id.");
        }
        storeId = current;
        if (previous != null && !previous.equals(current)) {
            throw new StoreException(StoreException.Kind.STORE_REPLACED, describe() + ": the store id changed from "
                    + previous + " to " + current + ": another store is at this address now (a new file, a schema"
                    + " dropped and created again, another database). A lease held in the old store is revoked at"
                    + " once; fencing tokens of store " + current + " are counted from its own start.");
        }
    }

    /** Best effort (see {@link SqlDialect#checkpoint}): a failure changes nothing about the commit. */
    private void checkpoint(Connection c) {
        try {
            dialect.checkpoint(c);
        } catch (SQLException e) {
            LOG.log(Level.DEBUG, "checkpoint after a commit: {0}", e.getMessage());
        }
    }

    @FunctionalInterface
    interface SqlWork<T> {
        T apply(Connection c) throws SQLException;
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /**
     * Runs autocommit work; translates failures and drops a broken connection.
     *
     * <p>The store is checked before the work (no point in working on a replaced one) and again
     * after it: a renewal that committed in a file which the path no longer named afterwards does
     * not count. Why the order is safe although the file may be replaced at any instant: when the
     * check after the commit finds the path still naming the open file, any replacement came
     * after that check, so after the renewal was sent. The local validity the caller measures
     * from that send ({@code sentAt + ttl - margin}) therefore rests only on renewals sent before
     * the replacement, exactly as if the holder had stopped renewing when it happened; and the
     * holder learns of it at its next operation, one heartbeat later at most, and revokes then.
     * A renewal that committed in an unlinked file is caught by the check after it.
     */
    synchronized <T> T run(String during, SqlWork<T> work) {
        try {
            Connection c = connection();
            requireSameStore();
            T result = work.apply(c);
            requireSameStore();
            return result;
        } catch (SQLException e) {
            throw failure(e, during);
        }
    }

    /** A write transaction (the work commits or rolls back itself), checked like {@link #run}. */
    private synchronized <T> T inWriteTransaction(String during, SqlWork<T> work) {
        Connection c;
        try {
            c = connection();
            requireSameStore();
            dialect.beginWrite(c);
        } catch (SQLException e) {
            throw failure(e, during);
        }
        T result;
        try {
            result = work.apply(c);
        } catch (SQLException | RuntimeException e) {
            try {
                dialect.rollback(c);
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            if (e instanceof SQLException sql) {
                throw failure(sql, during);
            }
            throw (RuntimeException) e;
        }
        requireSameStore();
        return result;
    }

    private StoreException failure(SQLException e, String during) {
        if (dialect.isConnectionBroken(e)) {
            closeConnection();
        }
        StoreException translated = ofThisStore(dialect.translate(e, during));
        if (translated.kind() == StoreException.Kind.NOT_MIGRATED && storeId != null) {
            // This process read the store's id from these tables before: they were dropped since.
            closeConnection();
            return new StoreException(StoreException.Kind.STORE_REPLACED, describe() + ": " + during + " failed:"
                    + " the tables of store " + storeId + " are gone (dropped, or the database replaced). The lease"
                    + " held in it is revoked at once; a running sidecar does not recreate them.", e);
        }
        return translated;
    }

    private static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Optional<LockRow> readRow(Connection c, String lockName, long nowMs, String suffix)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + ROW_COLUMNS + " FROM " + lockTable + " WHERE name = ?" + suffix)) {
            ps.setString(1, lockName);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long pid = rs.getLong("holder_pid");
                Long holderPid = rs.wasNull() ? null : pid;
                return Optional.of(new LockRow(
                        rs.getString("name"),
                        rs.getString("holder_id"),
                        rs.getString("holder_host"),
                        holderPid,
                        rs.getString("holder_pod"),
                        rs.getLong("fencing_token"),
                        rs.getLong("acquired_at"),
                        rs.getLong("heartbeat_at"),
                        rs.getLong("ttl_ms"),
                        nowMs));
            }
        }
    }

    private void insertHistory(Connection c, String lockName, TransitionKind kind, String holderId,
                                      String pod, String host, long token, long atMs, String reason)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + historyTable
                        + " (lock_name, kind, holder_id, holder_pod, holder_host, fencing_token, at_ms, reason)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, lockName);
            ps.setString(2, kind.dbValue());
            setNullable(ps, 3, holderId);
            setNullable(ps, 4, pod);
            setNullable(ps, 5, host);
            ps.setLong(6, token);
            ps.setLong(7, atMs);
            setNullable(ps, 8, reason);
            ps.executeUpdate();
        }
    }

    private static void setNullable(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    private static List<HistoryEntry> queryHistory(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            List<HistoryEntry> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(new HistoryEntry(
                            rs.getLong("id"),
                            rs.getString("lock_name"),
                            TransitionKind.fromDb(rs.getString("kind")),
                            rs.getString("holder_id"),
                            rs.getString("holder_pod"),
                            rs.getString("holder_host"),
                            rs.getLong("fencing_token"),
                            rs.getLong("at_ms"),
                            rs.getString("reason")));
                }
            }
            return result;
        }
    }
}
