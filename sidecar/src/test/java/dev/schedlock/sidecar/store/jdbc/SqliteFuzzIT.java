package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.LeaseStore;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProtectedCounterFuzz}: many holders on one SQLite file, each with its own connection. */
class SqliteFuzzIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldLetOneHolderAtATimeUpdateTheProtectedCounter() throws Exception {
        Path db = dir.resolve("schedlock.db");
        new ProtectedCounterFuzz(new ProtectedCounterFuzz.Database() {
            @Override
            public LeaseStore open() {
                return SqliteFiles.store(db);
            }

            @Override
            public int backdate(String lockName, String holderId, long token, long millis) {
                return SqliteFiles.update(db, "UPDATE scheduler_lock SET heartbeat_at = heartbeat_at - ?"
                        + " WHERE name = ? AND holder_id = ? AND fencing_token = ?", millis, lockName, holderId, token);
            }
        }, dir.resolve("protected-counter.txt")).runAndCheck();
    }
}
