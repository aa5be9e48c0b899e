package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Applies forward-only migrations, recorded in {@code schema_migrations}.
 *
 * <p>Safe when several processes migrate the same empty database at once: the whole check-and-
 * apply runs in one write transaction that the dialect serializes (SQLite {@code BEGIN IMMEDIATE},
 * PostgreSQL a transaction-level advisory lock), and DDL is transactional on both databases, so
 * exactly one process creates the schema and the others find it done.
 *
 * <p>It refuses, before writing anything, a database that belongs to another application and one
 * whose schema is newer than this build knows. It never drops, truncates or rewrites anything.
 */
final class SchemaMigrator {

    static final String MIGRATIONS_TABLE = "schema_migrations";
    private static final Set<String> OWN_TABLES =
            Set.of(MIGRATIONS_TABLE, "scheduler_lock", "scheduler_lock_history", "store_identity");

    private final SqlDialect dialect;
    private final List<Migration> migrations;

    SchemaMigrator(SqlDialect dialect, List<Migration> migrations) {
        this.dialect = dialect;
        this.migrations = migrations;
    }

    int migrate(Connection c) throws SQLException {
        dialect.enterMigration(c);
        try {
            return migrateWithinWaits(c);
        } finally {
            dialect.exitMigration(c);
        }
    }

    private int migrateWithinWaits(Connection c) throws SQLException {
        // 1. Read-only look first: refuse foreign or newer databases before any write
        //    (on SQLite even switching to WAL mode would rewrite the file header).
        checkOwnership(c, dialect.existingTables(c));
        dialect.beforeMigrate(c);
        // 2. Serialize with every other migrator, then look again: another process may have
        //    created the schema while we waited.
        dialect.beginWrite(c);
        try {
            dialect.lockForMigration(c);
            List<String> tables = dialect.existingTables(c);
            checkOwnership(c, tables);
            if (!tables.contains(MIGRATIONS_TABLE)) {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("CREATE TABLE " + dialect.qualify(MIGRATIONS_TABLE) + " (version INTEGER NOT NULL PRIMARY KEY,"
                            + " description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
                }
            }
            int current = maxVersion(dialect, c);
            int applied = 0;
            for (Migration m : migrations) {
                if (m.version() <= current) {
                    continue;
                }
                try (Statement st = c.createStatement()) {
                    for (String sql : m.statements()) {
                        st.executeUpdate(sql);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + dialect.qualify(MIGRATIONS_TABLE)
                        + " (version, description, applied_at) VALUES (?, ?, " + dialect.nowMillisExpression() + ")")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.description());
                    ps.executeUpdate();
                }
                applied++;
            }
            dialect.commit(c);
            return applied;
        } catch (SQLException | RuntimeException e) {
            try {
                dialect.rollback(c);
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        }
    }

    static int currentVersion(SqlDialect dialect, Connection c) throws SQLException {
        if (!dialect.existingTables(c).contains(MIGRATIONS_TABLE)) {
            return 0;
        }
        return maxVersion(dialect, c);
    }

    private static int maxVersion(SqlDialect dialect, Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(version), 0) FROM "
                     + dialect.qualify(MIGRATIONS_TABLE))) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private void checkOwnership(Connection c, List<String> tables) throws SQLException {
        if (tables.isEmpty()) {
            return;
        }
        String where = dialect.describe();
        if (!tables.contains(MIGRATIONS_TABLE)) {
            throw new StoreException(StoreException.Kind.FOREIGN_DATABASE,
                    where + " already holds tables of another application (" + sample(tables)
                            + ") and no schedlock schema: refusing to touch it. Point the store at a database"
                            + " (or PostgreSQL schema) of its own; nothing was changed.");
        }
        List<String> columns = dialect.columnsOf(c, MIGRATIONS_TABLE);
        if (!columns.containsAll(List.of("version", "description", "applied_at"))) {
            throw new StoreException(StoreException.Kind.FOREIGN_DATABASE,
                    where + " has a schema_migrations table of another tool (columns " + columns
                            + "): refusing to touch it. Point the store at a database (or PostgreSQL schema)"
                            + " of its own; nothing was changed.");
        }
        int version = maxVersion(dialect, c);
        int latest = migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
        int known = Math.max(latest, Migration.LATEST);
        if (version > known) {
            throw new StoreException(StoreException.Kind.NEWER_SCHEMA,
                    where + " has schema version " + version + " but this schedlock knows versions up to "
                            + known + ": upgrade this sidecar to the version the other sidecars run"
                            + " (schemas only move forward); nothing was changed.");
        }
        List<String> foreign = new ArrayList<>();
        for (String table : tables) {
            if (!OWN_TABLES.contains(table.toLowerCase(Locale.ROOT))) {
                foreign.add(table);
            }
        }
        if (!foreign.isEmpty()) {
            throw new StoreException(StoreException.Kind.FOREIGN_DATABASE,
                    where + " holds schedlock's tables and also tables of another application ("
                            + sample(foreign) + "): refusing to share it. Give schedlock a database"
                            + " (or PostgreSQL schema) of its own; nothing was changed.");
        }
    }

    private static String sample(List<String> tables) {
        List<String> shown = tables.size() > 5 ? tables.subList(0, 5) : tables;
        return String.join(", ", shown) + (tables.size() > 5 ? ", …" : "");
    }
}
