package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.AbstractLeaseStoreContract;
import dev.schedlock.sidecar.store.LeaseStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a real SQLite file, one file per test. */
class SqliteLeaseStoreIT extends AbstractLeaseStoreContract {

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void newDatabase() {
        file = dir.resolve("schedlock.db");
    }

    @Override
    protected LeaseStore newStore() {
        return SqliteFiles.store(file);
    }

    @Override
    protected void backdateHeartbeat(String lockName, long millis) {
        int changed = SqliteFiles.update(file,
                "UPDATE scheduler_lock SET heartbeat_at = heartbeat_at - ? WHERE name = ?", millis, lockName);
        assertThat(changed).as("rows backdated").isEqualTo(1);
    }

    @Override
    protected Connection openConnection() throws SQLException {
        return SqliteFiles.connect(file);
    }

    @Test
    void shouldPutTheFileInWalModeOnMigrate() {
        migratedStore();

        assertThat(queryRows("PRAGMA journal_mode")).containsExactly(List.of("wal"));
    }

    @Test
    void shouldLeaveTheSchemaAsItWasWhenMigratingAgain() {
        migratedStore();
        List<List<Object>> schema = queryRows("SELECT type, name, sql FROM sqlite_master ORDER BY name");

        migratedStore();

        assertThat(queryRows("SELECT type, name, sql FROM sqlite_master ORDER BY name")).isEqualTo(schema);
    }
}
