package dev.schedlock.sidecar.process;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteConfig;

/**
 * Reads the lease tables of a SQLite store file with plain SQL, read-only, the way an operator
 * would look with {@code sqlite3}: the tests check the sidecars' answers against the file itself,
 * not against the sidecar's own store code.
 */
public final class StoreFile {

    /** The {@code scheduler_lock} row; times in milliseconds on the store's (this host's) clock. */
    record Row(String holderId, String holderPod, long fencingToken, long acquiredAtMs, long heartbeatAtMs,
               long ttlMs) {
    }

    /** One {@code scheduler_lock_history} row. */
    public record Transition(String kind, String holderPod, long fencingToken, long atMs) {
    }

    private final Path file;

    public StoreFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    public String url() {
        return "jdbc:sqlite:" + file;
    }

    Optional<Row> row(String lockName) {
        return query("SELECT holder_id, holder_pod, fencing_token, acquired_at, heartbeat_at, ttl_ms"
                + " FROM scheduler_lock WHERE name = ?", rs -> new Row(rs.getString(1), rs.getString(2),
                rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)), lockName).stream().findFirst();
    }

    Row row() {
        return row("default").orElseThrow(() -> new AssertionError("no lock row in " + file));
    }

    /** Transitions of the lock, oldest first. */
    public List<Transition> history() {
        return query("SELECT kind, holder_pod, fencing_token, at_ms FROM scheduler_lock_history"
                + " WHERE lock_name = ? ORDER BY id",
                rs -> new Transition(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)), "default");
    }

    /** The store's id ({@code store_identity}). */
    public String storeId() {
        return query("SELECT store_id FROM store_identity", rs -> rs.getString(1)).stream().findFirst()
                .orElseThrow(() -> new AssertionError("no store id in " + file));
    }

    /** Applied schema versions, in order. */
    List<Integer> migrations() {
        return query("SELECT version FROM schema_migrations ORDER BY version", rs -> rs.getInt(1));
    }

    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String sql, RowMapper<T> mapper, String... parameters) {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(5000);
        try (Connection c = config.createConnection(url()); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                ps.setString(i + 1, parameters[i]);
            }
            List<T> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(mapper.map(rs));
                }
            }
            return result;
        } catch (SQLException e) {
            throw new AssertionError("reading " + file + ": " + e.getMessage(), e);
        }
    }
}
