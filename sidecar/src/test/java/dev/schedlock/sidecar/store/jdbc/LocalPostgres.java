package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.Sql;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * The local PostgreSQL server of the integration tests (127.0.0.1:5432, database {@code test},
 * user {@code postgres} with trust auth; CI may point elsewhere with {@code SCHEDLOCK_TEST_PG_URL}
 * and {@code SCHEDLOCK_TEST_PG_USER}). Tests isolate themselves in schemas with random names and
 * drop them afterwards; the database is shared with other test runs.
 */
public final class LocalPostgres {

    public static final String URL = System.getenv().getOrDefault("SCHEDLOCK_TEST_PG_URL",
            "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String USER = System.getenv().getOrDefault("SCHEDLOCK_TEST_PG_USER", "postgres");

    /** Far longer than any statement of the tests, so that contention waits, not fails. */
    public static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(20);

    private LocalPostgres() {
    }

    /** A fresh lower-case identifier that no other test run uses, e.g. {@code t_3f2a…}. */
    public static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** A store in {@code schema} as the test user, without password. Not yet migrated. */
    public static JdbcLeaseStore store(String schema) {
        return store(schema, USER, null);
    }

    public static JdbcLeaseStore store(String schema, String user, String password) {
        return new JdbcLeaseStore(new PostgresDialect(URL, user, password, schema, STATEMENT_TIMEOUT));
    }

    /** A plain connection as the test user; unqualified names resolve in {@code schema} if given. */
    public static Connection connect(String schema) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", USER);
        props.setProperty("ApplicationName", "schedlock-tests");
        if (schema != null) {
            props.setProperty("currentSchema", schema);
        }
        return DriverManager.getConnection(URL, props);
    }

    /** Runs one statement as the test user (outside any schema). */
    public static int execute(String sql, Object... params) {
        try (Connection c = connect(null)) {
            return Sql.update(c, sql, params);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Runs one query in {@code schema} (may be null) as the test user. */
    public static List<List<Object>> rows(String schema, String sql, Object... params) {
        try (Connection c = connect(schema)) {
            return Sql.rows(c, sql, params);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    public static boolean schemaExists(String schema) {
        return !rows(null, "SELECT 1 FROM pg_namespace WHERE nspname = ?", schema).isEmpty();
    }

    /** Drops {@code schema} and all in it; quietly does nothing when it is not there. */
    public static void dropSchema(String schema) {
        execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
}
