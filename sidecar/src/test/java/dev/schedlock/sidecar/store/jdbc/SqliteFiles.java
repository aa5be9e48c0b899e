package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.Sql;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.sqlite.SQLiteConfig;

/** SQLite files for the integration tests: stores and raw connections on them, and their bytes. */
final class SqliteFiles {

    /** Far longer than any write transaction in the tests, so that contention waits, not fails. */
    static final Duration BUSY_TIMEOUT = Duration.ofSeconds(20);

    private SqliteFiles() {
    }

    static JdbcLeaseStore store(Path file) {
        return new JdbcLeaseStore(new SqliteDialect(file, BUSY_TIMEOUT));
    }

    /** A plain connection, outside the store, that waits for the write lock like a store does. */
    static Connection connect(Path file) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout((int) BUSY_TIMEOUT.toMillis());
        return config.createConnection("jdbc:sqlite:" + file);
    }

    static int update(Path file, String sql, Object... params) {
        try (Connection c = connect(file)) {
            return Sql.update(c, sql, params);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    static List<List<Object>> rows(Path file, String sql, Object... params) {
        try (Connection c = connect(file)) {
            return Sql.rows(c, sql, params);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Names of the entries of {@code dir}, sorted: shows a -wal, -shm or -journal file appearing. */
    static List<String> entries(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
