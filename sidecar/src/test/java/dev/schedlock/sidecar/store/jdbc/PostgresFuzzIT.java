package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.LeaseStore;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ProtectedCounterFuzz} on the local PostgreSQL: eight holders, each with its own
 * connection, in a schema of the test's own; expiry judged by the server's clock.
 */
class PostgresFuzzIT {

    @TempDir
    Path dir;

    private final String schema = LocalPostgres.uniqueName("fuzz");

    @AfterEach
    void dropSchema() {
        LocalPostgres.dropSchema(schema);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldLetOneHolderAtATimeUpdateTheProtectedCounter() throws Exception {
        new ProtectedCounterFuzz(new ProtectedCounterFuzz.Database() {
            @Override
            public LeaseStore open() {
                return LocalPostgres.store(schema);
            }

            @Override
            public int backdate(String lockName, String holderId, long token, long millis) {
                return LocalPostgres.execute("UPDATE \"" + schema + "\".scheduler_lock"
                        + " SET heartbeat_at = heartbeat_at - ? WHERE name = ? AND holder_id = ? AND fencing_token = ?",
                        millis, lockName, holderId, token);
            }
        }, dir.resolve("protected-counter.txt")).runAndCheck();
    }
}
