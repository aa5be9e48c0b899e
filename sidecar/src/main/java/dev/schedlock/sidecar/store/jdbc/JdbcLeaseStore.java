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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    /** The named statements built so far, by shape (they differ by whether the store id is known). */
    private final Map<String, NamedSql> statements = new HashMap<>();
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

    /**
     * Two shapes, one contract. Where the database can modify data inside a {@code WITH} clause
     * (PostgreSQL) the attempt is one autocommit statement: it reads the row, takes it if the rule
     * allows, appends the history row, and answers with the row it read, in one round trip and one
     * commit. Elsewhere (SQLite) it reads the row first without any lock and opens a write
     * transaction only when the row may be taken. Either way an attempt on a held, unexpired row
     * takes no write lock and writes nothing; a write applies only to exactly the row version that
     * was read (holder, token and heartbeat), so what was decided is what is taken.
     */
    @Override
    public AcquireResult tryAcquire(String lockName, HolderIdentity holder, long ttlMs, TakeoverRule rule) {
        Objects.requireNonNull(rule, "rule");
        String during = "acquire of lock '" + lockName + "'";
        if (dialect.modifiesInWithClauses()) {
            return run(during, c -> acquireInOneStatement(c, lockName, holder, ttlMs, rule));
        }
        // 1. Read the row (and the store's clock and id) without any lock.
        RowRead read = run(during, c -> readForAcquire(c, lockName));
        LockRow current = read.row();
        // 2. Decide: free, our own, or a takeover the rule allows. Anything else writes nothing.
        TransitionKind kind = decide(current, holder.id(), rule);
        if (kind == null) {
            return new AcquireResult(false, null, current);
        }
        // 3. Take exactly the version read, under the write lock; the expiry is judged again.
        return inWriteTransaction(during, c -> {
            long[] taken = takeVersion(c, read, holder, ttlMs);
            if (taken == null) {
                // Someone else changed it since: answer with the row as it is now (under the lock).
                long nowMs = queryLong(c, "SELECT " + now);
                LockRow changed = readRow(c, lockName, nowMs, "").orElse(current);
                dialect.rollback(c);
                return new AcquireResult(false, null, changed);
            }
            long token = taken[0];
            long nowMs = taken[1];
            insertHistory(c, lockName, kind, holder.id(), holder.pod(), holder.host(), token, nowMs,
                    kind == TransitionKind.TAKEN_OVER ? takeoverReason(current, nowMs) : null);
            // 4. Commit durably (SQLite: synchronous=FULL) before anyone may use the token.
            dialect.commit(c);
            checkpoint(c);
            return new AcquireResult(true, kind, new LockRow(lockName, holder.id(), holder.host(), holder.pid(),
                    holder.pod(), token, nowMs, nowMs, ttlMs, nowMs));
        });
    }

    /** Why a takeover was allowed, for the history row. */
    private static String takeoverReason(LockRow before, long nowMs) {
        return "expired holding of " + before.holderId() + " (token " + before.fencingToken() + ", heartbeat "
                + (nowMs - before.heartbeatAtMs()) + " ms ago, ttl " + before.ttlMs() + " ms)";
    }

    /**
     * The row, the store's clock and (when known) the store's id, in one read that takes no lock.
     * A missing row reads as free with token 0. A changed store id throws, as in every operation.
     */
    private RowRead readForAcquire(Connection c, String lockName) throws SQLException {
        String sid = storeId != null ? "(SELECT store_id FROM " + identityTable + ")" : "CAST(NULL AS TEXT)";
        try (PreparedStatement ps = c.prepareStatement("SELECT n.now_ms, " + sid + " AS current_store_id, "
                + prefixed("l.") + " FROM (SELECT " + now + " AS now_ms) AS n LEFT JOIN " + lockTable
                + " AS l ON l.name = ?")) {
            ps.setString(1, lockName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (storeId != null) {
                    adopt(rs.getString("current_store_id"));
                }
                return rowOrFree(rs, lockName, rs.getLong("now_ms"));
            }
        }
    }

    /** A row as read for an acquisition; {@code exists} false when there was none (read as free, token 0). */
    private record RowRead(LockRow row, boolean exists) {
    }

    /** The row columns of {@code rs} (maybe all null: no row) with the store's clock {@code nowMs}. */
    private static RowRead rowOrFree(ResultSet rs, String lockName, long nowMs) throws SQLException {
        if (rs.getString("name") == null) {
            return new RowRead(new LockRow(lockName, null, null, null, null, 0, 0, 0, 0, nowMs), false);
        }
        return new RowRead(rowAt(rs, nowMs), true);
    }

    /** The columns of {@link #ROW_COLUMNS} in {@code rs}, read at the store's time {@code nowMs}. */
    private static LockRow rowAt(ResultSet rs, long nowMs) throws SQLException {
        long pid = rs.getLong("holder_pid");
        Long holderPid = rs.wasNull() ? null : pid;
        return new LockRow(
                rs.getString("name"),
                rs.getString("holder_id"),
                rs.getString("holder_host"),
                holderPid,
                rs.getString("holder_pod"),
                rs.getLong("fencing_token"),
                rs.getLong("acquired_at"),
                rs.getLong("heartbeat_at"),
                rs.getLong("ttl_ms"),
                nowMs);
    }

    /** {@link #ROW_COLUMNS}, each with {@code prefix} (a table alias and a dot). */
    private static String prefixed(String prefix) {
        return prefix + ROW_COLUMNS.replace(", ", ", " + prefix);
    }

    /**
     * Takes the row version {@code read} inside the write transaction: the owner, token and
     * heartbeat must still be those read, the store's id the one known, and the row still free,
     * ours, or expired by the store's clock now (a rule's extra condition was checked on the very
     * version pinned here). A row that did not exist is inserted taken, with token 1.
     *
     * @return {token, store time of the acquisition}, or null when it changed since it was read
     */
    private long[] takeVersion(Connection c, RowRead rowRead, HolderIdentity holder, long ttlMs)
            throws SQLException {
        LockRow read = rowRead.row();
        Map<String, Object> v = acquisitionValues(read.name(), holder, ttlMs);
        String sameStore = storeId == null ? "1 = 1"
                : "EXISTS (SELECT 1 FROM " + identityTable + " WHERE store_id = :sid)";
        NamedSql sql;
        if (!rowRead.exists()) {
            sql = statement("insert taken " + (storeId != null), () -> "INSERT INTO " + lockTable + " (" + ROW_COLUMNS + ")"
                    + " SELECT :name, :self, :host, :pid, :pod, 1, n.now_ms, n.now_ms, :ttl"
                    + " FROM (SELECT " + now + " AS now_ms) AS n WHERE " + sameStore
                    + " ON CONFLICT (name) DO NOTHING RETURNING fencing_token, heartbeat_at");
        } else {
            v.put("token", read.fencingToken());
            v.put("hb", read.heartbeatAtMs());
            v.put("holder", read.holderId());
            sql = statement("take version " + (storeId != null), () -> "UPDATE " + lockTable + " AS l SET holder_id = :self, holder_host = :host,"
                    + " holder_pid = :pid, holder_pod = :pod, fencing_token = l.fencing_token + 1,"
                    + " acquired_at = n.now_ms, heartbeat_at = n.now_ms, ttl_ms = :ttl"
                    + " FROM (SELECT " + now + " AS now_ms) AS n"
                    + " WHERE l.name = :name AND l.fencing_token = :token AND l.heartbeat_at = :hb"
                    + " AND l.holder_id IS NOT DISTINCT FROM :holder"
                    + " AND (l.holder_id IS NULL OR l.holder_id = :self OR l.heartbeat_at + l.ttl_ms < n.now_ms)"
                    + " AND " + sameStore + " RETURNING fencing_token, heartbeat_at");
        }
        try (PreparedStatement ps = sql.prepare(c, v); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
        }
    }

    /** The parameters every acquisition statement takes: the lock, the new holding, the store id known. */
    private Map<String, Object> acquisitionValues(String lockName, HolderIdentity holder, long ttlMs) {
        Map<String, Object> v = new HashMap<>();
        v.put("name", lockName);
        v.put("self", holder.id());
        v.put("host", holder.host());
        v.put("pid", NamedSql.nullableLong(holder.pid()));
        v.put("pod", holder.pod());
        v.put("ttl", ttlMs);
        v.put("sid", storeId);
        return v;
    }

    /**
     * The whole attempt as one statement (PostgreSQL): read the row ({@code cur}), take exactly that
     * version if it is free, ours, or expired by the store's clock and allowed by the rule
     * ({@code upd}; or insert it taken when there is none, {@code ins}), append the history row
     * ({@code h}), and answer with the row read, the store's clock and id, and the new token if any.
     * A refused attempt's {@code UPDATE} matches no row: it locks nothing and writes nothing, and
     * its transaction commits nothing. A row changed by someone else between the statement's
     * snapshot and its update fails the version guard and counts as refused.
     */
    private AcquireResult acquireInOneStatement(Connection c, String lockName, HolderIdentity holder, long ttlMs,
                                                TakeoverRule rule) throws SQLException {
        Map<String, Object> v = acquisitionValues(lockName, holder, ttlMs);
        v.put("mode", rule instanceof TakeoverRule.Expired ? 1 : rule instanceof TakeoverRule.ExpiredAndUnchanged ? 2 : 0);
        TakeoverRule.ExpiredAndUnchanged seen = rule instanceof TakeoverRule.ExpiredAndUnchanged s ? s : null;
        v.put("seen_holder", seen == null ? null : seen.holderId());
        v.put("seen_token", seen == null ? 0L : seen.fencingToken());
        v.put("seen_hb", seen == null ? 0L : seen.heartbeatAtMs());
        String sid = storeId != null ? "SELECT store_id FROM " + identityTable : "SELECT CAST(NULL AS TEXT) AS store_id";
        String sameStore = storeId == null ? "TRUE" : "EXISTS (SELECT 1 FROM sid WHERE store_id = :sid)";
        String ours = "(cur.holder_id IS NULL OR cur.holder_id = :self)";
        NamedSql sql = statement("acquire " + (storeId != null), () -> "WITH n AS (SELECT " + now + " AS now_ms),"
                + " cur AS (SELECT " + ROW_COLUMNS + " FROM " + lockTable + " WHERE name = :name),"
                + " sid AS (" + sid + "),"
                + " upd AS (UPDATE " + lockTable + " AS l SET holder_id = :self, holder_host = :host,"
                + " holder_pid = :pid, holder_pod = :pod, fencing_token = l.fencing_token + 1,"
                + " acquired_at = n.now_ms, heartbeat_at = n.now_ms, ttl_ms = :ttl FROM n, cur"
                + " WHERE l.name = cur.name AND l.fencing_token = cur.fencing_token"
                + " AND l.heartbeat_at = cur.heartbeat_at AND l.holder_id IS NOT DISTINCT FROM cur.holder_id"
                + " AND (" + ours + " OR (cur.heartbeat_at + cur.ttl_ms < n.now_ms AND (:mode = 1 OR (:mode = 2"
                + " AND cur.holder_id = :seen_holder AND cur.fencing_token = :seen_token"
                + " AND cur.heartbeat_at = :seen_hb))))"
                + " AND " + sameStore + " RETURNING l.fencing_token, n.now_ms AS at_ms),"
                + " ins AS (INSERT INTO " + lockTable + " (" + ROW_COLUMNS + ")"
                + " SELECT :name, :self, :host, :pid, :pod, 1, n.now_ms, n.now_ms, :ttl FROM n"
                + " WHERE NOT EXISTS (SELECT 1 FROM cur) AND " + sameStore
                + " ON CONFLICT (name) DO NOTHING RETURNING fencing_token, acquired_at AS at_ms),"
                + " won AS (SELECT fencing_token, at_ms FROM upd UNION ALL SELECT fencing_token, at_ms FROM ins),"
                + " h AS (INSERT INTO " + historyTable
                + " (lock_name, kind, holder_id, holder_pod, holder_host, fencing_token, at_ms, reason)"
                + " SELECT :name, CASE WHEN " + ours + " THEN 'acquired' ELSE 'taken_over' END, :self, :pod, :host,"
                + " won.fencing_token, won.at_ms, CASE WHEN " + ours + " THEN NULL ELSE 'expired holding of '"
                + " || cur.holder_id || ' (token ' || cur.fencing_token || ', heartbeat '"
                + " || (won.at_ms - cur.heartbeat_at) || ' ms ago, ttl ' || cur.ttl_ms || ' ms)' END"
                + " FROM won LEFT JOIN cur ON TRUE)"
                + " SELECT n.now_ms, (SELECT store_id FROM sid) AS current_store_id, won.fencing_token AS won_token,"
                + " won.at_ms AS won_at, " + prefixed("cur.")
                + " FROM n LEFT JOIN cur ON TRUE LEFT JOIN won ON TRUE");
        LockRow current;
        long wonToken;
        long wonAt;
        String currentStoreId;
        try (PreparedStatement ps = sql.prepare(c, v); ResultSet rs = ps.executeQuery()) {
            rs.next();
            currentStoreId = rs.getString("current_store_id");
            current = rowOrFree(rs, lockName, rs.getLong("now_ms")).row();
            wonToken = rs.getLong("won_token");
            wonToken = rs.wasNull() ? 0 : wonToken;
            wonAt = rs.getLong("won_at");
        }
        if (storeId != null) {
            // A changed or vanished id: the guard wrote nothing; say so rather than "refused".
            adopt(currentStoreId);
        }
        if (wonToken == 0) {
            if (decide(current, holder.id(), rule) != null) {
                // It could be taken as read, yet someone else changed it first: read it as it is now,
                // so that the caller learns the new holder rather than the version it lost.
                long nowMs = queryLong(c, "SELECT " + now);
                current = readRow(c, lockName, nowMs, "").orElse(current);
            }
            return new AcquireResult(false, null, current);
        }
        TransitionKind kind = current.isFree() || current.holderId().equals(holder.id())
                ? TransitionKind.ACQUIRED : TransitionKind.TAKEN_OVER;
        return new AcquireResult(true, kind, new LockRow(lockName, holder.id(), holder.host(), holder.pid(),
                holder.pod(), wonToken, wonAt, wonAt, ttlMs, wonAt));
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

    /**
     * PostgreSQL: one autocommit statement (the row freed under the owner guard, the history row,
     * the {@code NOTIFY} that wakes the candidates, sent at commit). SQLite: one write transaction
     * (the history row copied from the row under the owner guard, then the row freed).
     */
    @Override
    public boolean release(String lockName, String holderId, long fencingToken) {
        String during = "release of lock '" + lockName + "'";
        Map<String, Object> v = new HashMap<>();
        v.put("name", lockName);
        v.put("holder", holderId);
        v.put("token", fencingToken);
        String guard = " WHERE name = :name AND holder_id = :holder AND fencing_token = :token";
        String history = "INSERT INTO " + historyTable
                + " (lock_name, kind, holder_id, holder_pod, holder_host, fencing_token, at_ms, reason)";
        if (dialect.modifiesInWithClauses()) {
            String notify = dialect.releaseNotifyExpression();
            NamedSql sql = statement("release", () -> "WITH n AS (SELECT " + now + " AS now_ms),"
                    + " old AS (SELECT holder_pod, holder_host FROM " + lockTable + guard + "),"
                    + " upd AS (UPDATE " + lockTable + " AS l SET holder_id = NULL, holder_host = NULL,"
                    + " holder_pid = NULL, holder_pod = NULL, heartbeat_at = n.now_ms FROM n"
                    + " WHERE l.name = :name AND l.holder_id = :holder AND l.fencing_token = :token"
                    + " RETURNING n.now_ms AS at_ms),"
                    + " h AS (" + history + " SELECT :name, 'released', :holder, old.holder_pod, old.holder_host,"
                    + " :token, upd.at_ms, NULL FROM upd LEFT JOIN old ON TRUE)"
                    + " SELECT upd.at_ms" + (notify == null ? "" : ", " + notify) + " FROM upd");
            return run(during, c -> {
                try (PreparedStatement ps = sql.prepare(c, v); ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            });
        }
        NamedSql copy = statement("release copy", () -> history + " SELECT name, 'released', holder_id, holder_pod, holder_host,"
                + " fencing_token, n.now_ms, NULL FROM " + lockTable + ", (SELECT " + now + " AS now_ms) AS n"
                + guard + " RETURNING at_ms");
        return inWriteTransaction(during, c -> {
            long atMs;
            try (PreparedStatement ps = copy.prepare(c, v); ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    dialect.rollback(c);
                    return false;
                }
                atMs = rs.getLong(1);
            }
            if (clearHolder(c, lockName, holderId, fencingToken, atMs) != 1) {
                dialect.rollback(c);
                return false;
            }
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

    /** The statement of shape {@code key}, built by {@code text} the first time only. */
    private NamedSql statement(String key, java.util.function.Supplier<String> text) {
        return statements.computeIfAbsent(key, k -> NamedSql.of(text.get()));
    }

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
                return rs.next() ? Optional.of(rowAt(rs, nowMs)) : Optional.empty();
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
