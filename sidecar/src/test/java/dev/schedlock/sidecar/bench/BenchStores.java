package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.store.StoreSettings;
import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import dev.schedlock.sidecar.store.jdbc.LocalPostgres;
import dev.schedlock.sidecar.store.jdbc.PostgresDialect;
import dev.schedlock.sidecar.store.jdbc.SqlDialect;
import dev.schedlock.sidecar.store.jdbc.SqliteDialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/** Opens fresh stores for benchmarks: a new SQLite file, or a new schema in the local PostgreSQL. */
final class BenchStores {

    static final String PG_URL = LocalPostgres.URL;
    static final String PG_USER = LocalPostgres.USER;

    private final String kind;
    private final Path sqliteFile;
    private final String schema;

    private BenchStores(String kind, Path sqliteFile, String schema) {
        this.kind = kind;
        this.sqliteFile = sqliteFile;
        this.schema = schema;
    }

    /** {@code sqlite} or {@code postgresql}; each call gets an empty database. */
    static BenchStores fresh(String kind) throws Exception {
        if (kind.equals("sqlite")) {
            return new BenchStores(kind, Files.createTempDirectory("schedlock-bench").resolve("lease.db"), null);
        }
        if (kind.equals("postgresql")) {
            String schema = "bench_" + Long.toHexString(System.nanoTime());
            return new BenchStores(kind, null, schema);
        }
        throw new IllegalArgumentException("store must be sqlite or postgresql, not " + kind);
    }

    /** A fresh store with the schema in place, as {@link #fresh(String)}. */
    static BenchStores migrated(String kind) throws Exception {
        BenchStores stores = fresh(kind);
        try (JdbcLeaseStore setup = stores.open(Duration.ofSeconds(5))) {
            setup.migrate();
        }
        return stores;
    }

    JdbcLeaseStore open(Duration statementTimeout) {
        return new JdbcLeaseStore(dialect(statementTimeout));
    }

    /** The dialect that {@link #open} uses, for benchmarks that run their own SQL beside the store's. */
    SqlDialect dialect(Duration statementTimeout) {
        return sqliteFile != null ? new SqliteDialect(sqliteFile, statementTimeout) : postgresDialect(statementTimeout);
    }

    private PostgresDialect postgresDialect(Duration statementTimeout) {
        return new PostgresDialect(PG_URL, PG_USER, null, schema, statementTimeout);
    }

    StoreSettings settings() {
        return sqliteFile != null
                ? new StoreSettings("jdbc:sqlite:" + sqliteFile, null, null, Duration.ofSeconds(5))
                : new StoreSettings(PG_URL, PG_USER, null, Duration.ofSeconds(5), schema);
    }

    /** The store options of a sidecar process ({@code run}) on this store. */
    List<String> sidecarArgs() {
        return sqliteFile != null
                ? List.of("--store", "jdbc:sqlite:" + sqliteFile)
                : List.of("--store", PG_URL, "--store-user", PG_USER, "--store-schema", schema);
    }

    String kind() {
        return kind;
    }

    /** The PostgreSQL schema that holds the tables; null for SQLite. */
    String schema() {
        return schema;
    }

    /** Drops the PostgreSQL schema; SQLite files are left in the temp dir. */
    void drop() throws Exception {
        if (schema == null) {
            return;
        }
        Properties props = new Properties();
        props.setProperty("user", PG_USER);
        try (Connection c = DriverManager.getConnection(PG_URL, props); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        }
    }
}
