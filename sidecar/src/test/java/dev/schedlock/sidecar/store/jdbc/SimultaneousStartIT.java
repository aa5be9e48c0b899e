package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.LeaseStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link SimultaneousStart} on SQLite: eight sidecars on one new, empty file, for many rounds. */
class SimultaneousStartIT {

    /** Rounds per kind of empty file: each round is a new race on a new file. */
    private static final int ROUNDS = 40;

    enum EmptyFile {
        /** The volume is new: no file yet. */
        MISSING,
        /** Someone touched the file (e.g. an init container). */
        ZERO_BYTES
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(EmptyFile.class)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void shouldCreateSchemaOnceAndGrantLeaseOnceWhenSidecarsStartTogether(EmptyFile emptyFile) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Path db = dir.resolve("round-" + round + ".db");
            if (emptyFile == EmptyFile.ZERO_BYTES) {
                Files.createFile(db);
            }

            SimultaneousStart.raceAndCheck(new SimultaneousStart.Database() {
                @Override
                public LeaseStore open() {
                    return SqliteFiles.store(db);
                }

                @Override
                public List<List<Object>> rows(String sql) {
                    return SqliteFiles.rows(db, sql);
                }
            }, "round " + round);
        }
    }
}
