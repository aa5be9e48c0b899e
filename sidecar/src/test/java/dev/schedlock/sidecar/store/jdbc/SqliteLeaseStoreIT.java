package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.schedlock.sidecar.store.AbstractLeaseStoreContract;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.TakeoverRule;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

    @Override
    protected AutoCloseable holdWriteLock(String lockName) throws SQLException {
        Connection c = SqliteFiles.connect(file);
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
        }
        return () -> {
            try (Statement st = c.createStatement()) {
                st.execute("ROLLBACK");
            } finally {
                c.close();
            }
        };
    }

    @Test
    void shouldPutTheFileInWalModeOnMigrate() {
        migratedStore();

        assertThat(queryRows("PRAGMA journal_mode")).containsExactly(List.of("wal"));
    }

    /**
     * Sidecars that start together wait for one another's migration: a file whose write lock
     * another process holds for longer than the statement timeout (here 200 ms) is waited for,
     * not reported, during a migration; lease operations keep the short wait.
     */
    @Test
    void shouldWaitForAnotherProcessMigratingLongerThanTheStatementTimeout() throws Exception {
        Duration statementTimeout = Duration.ofMillis(200);
        JdbcLeaseStore store = new JdbcLeaseStore(new SqliteDialect(file, statementTimeout));
        ExecutorService starter = Executors.newSingleThreadExecutor();
        try (Connection other = SqliteFiles.connect(file); Statement st = other.createStatement()) {
            st.execute("BEGIN EXCLUSIVE"); // another sidecar in the middle of its migration
            Future<?> migration = starter.submit(store::migrate);

            await("the migration still waits, long after the statement timeout")
                    .during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> !migration.isDone());
            st.execute("ROLLBACK");

            migration.get(10, TimeUnit.SECONDS);
        } finally {
            starter.shutdownNow();
        }
        assertThat(store.schemaVersion()).isEqualTo(Migration.LATEST);

        try (Connection other = SqliteFiles.connect(file); Statement st = other.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
            long before = System.nanoTime();
            assertThatThrownBy(() -> store.tryAcquire("default", ALICE, 10_000, TakeoverRule.expired()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("longer than the busy timeout (200 ms)");
            assertThat(Duration.ofNanos(System.nanoTime() - before)).as("a lease operation's wait")
                    .isLessThan(SqliteDialect.MIGRATION_LOCK_WAIT);
            st.execute("ROLLBACK");
        } finally {
            store.close();
        }
    }

    @Test
    void shouldLeaveTheSchemaAsItWasWhenMigratingAgain() {
        migratedStore();
        List<List<Object>> schema = queryRows("SELECT type, name, sql FROM sqlite_master ORDER BY name");

        migratedStore();

        assertThat(queryRows("SELECT type, name, sql FROM sqlite_master ORDER BY name")).isEqualTo(schema);
    }
}
