package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;

/**
 * Wakes a waiting candidate soon after a holder releases, on SQLite, which has no NOTIFY: a
 * read-only connection of its own asks {@code PRAGMA data_version} every {@code interval} (a
 * counter in shared memory that changes when another connection commits: no lock and no read of
 * the file), and only when it changed reads the lock's row. When the row is free with a fencing
 * token it has not woken for yet (a release it had not seen, even if the lock was taken and
 * released again between two polls, or a lock nobody has held yet) it runs {@code onRelease}, as
 * {@link PostgresReleaseListener} does on a notification.
 *
 * <p>Its connection is read-only and cannot create the file, so it can never change the store. When
 * the path no longer names the file it has open (deleted, or another file renamed over it) it
 * wakes the candidate (whose next operation reports the replaced store) and connects again, to the
 * file now at the path.
 */
public final class SqliteReleaseWatcher extends ReleaseWatchThread {

    /**
     * How often the data version is read. A standby learns of a release within one interval, which
     * is the largest part of a SQLite handoff's tail; each poll costs its thread about 0.3 ms of CPU
     * (a wake-up, three stats and the pragma), so 20 ms costs about 1.7 % of a core where 50 ms
     * cost 0.9 % and 10 ms 2.8 % (the {@code watch-cost} benchmark on a busy 2-core machine,
     * docs/benchmarks.md, "Graceful handoff with returned claims").
     */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(20);

    private final SqliteDialect dialect;
    private final long intervalNanos;

    public SqliteReleaseWatcher(SqliteDialect dialect, String lockName, Duration interval, Runnable onRelease) {
        super(lockName, onRelease, "schedlock-release-watcher");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, not " + interval);
        }
        this.intervalNanos = interval.toNanos();
    }

    @Override
    protected void watch() throws SQLException {
        OpenedStore files = dialect.beforeOpen();
        try (Connection c = dialect.connectReadOnly();
             PreparedStatement version = c.prepareStatement("PRAGMA data_version");
             PreparedStatement row = c.prepareStatement(
                     "SELECT holder_id, fencing_token FROM scheduler_lock WHERE name = ?")) {
            row.setString(1, lockName);
            long seenVersion = Long.MIN_VALUE;
            long wokenForToken = -1;
            if (!stillTheFile(files, true)) {
                pause(intervalNanos);
                return;
            }
            while (!isClosed()) {
                if (!stillTheFile(files, false)) {
                    // The waiting candidate looks now: its next store operation reports the
                    // replaced store (and holds off), instead of when its wait would have ended.
                    onRelease.run();
                    pause(intervalNanos);
                    return; // connect again, to the file now at the path
                }
                long current = dataVersion(version);
                connected();
                if (current != seenVersion) {
                    seenVersion = current;
                    long freeToken = freeToken(row);
                    if (freeToken >= 0 && freeToken != wokenForToken) {
                        wokenForToken = freeToken;
                        onRelease.run();
                    }
                }
                if (!pause(intervalNanos)) {
                    return;
                }
            }
        }
    }

    /** Whether the path still names the file this connection has open (checked with a stat, no lock). */
    private static boolean stillTheFile(OpenedStore files, boolean justOpened) {
        try {
            if (justOpened) {
                files.opened();
            } else {
                files.verify();
            }
            return true;
        } catch (StoreException e) {
            return false;
        }
    }

    @Override
    protected String explain(SQLException e) {
        return dialect.translate(e, "watching for releases").getMessage();
    }

    private static long dataVersion(PreparedStatement version) throws SQLException {
        try (ResultSet rs = version.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** The token of the free lock (0 when nobody has held it yet), or -1 while somebody holds it. */
    private static long freeToken(PreparedStatement row) throws SQLException {
        try (ResultSet rs = row.executeQuery()) {
            if (!rs.next()) {
                return 0;
            }
            return rs.getString(1) == null ? rs.getLong(2) : -1;
        }
    }
}
