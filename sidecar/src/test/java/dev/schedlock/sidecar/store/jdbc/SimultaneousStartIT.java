package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.TakeoverRule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every sidecar of a Deployment starts at once on an empty file: each migrates, then tries to
 * acquire. The schema must be created once and the lease granted once, with no sidecar failing.
 */
class SimultaneousStartIT {

    private static final String LOCK = "jobs";
    private static final int SIDECARS = 8;
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

            List<Outcome> outcomes = startTogether(db);

            List<Throwable> failures = outcomes.stream().map(Outcome::failure).filter(Objects::nonNull).toList();
            int failedRound = round;
            assertThat(failures).withFailMessage(() -> "round " + failedRound + ": " + failures.size()
                    + " sidecar(s) failed, the first with:\n" + stackTrace(failures.get(0))).isEmpty();
            List<AcquireResult> results = outcomes.stream().map(Outcome::result).toList();
            assertThat(results).filteredOn(AcquireResult::acquired).as("round %d: winners", round).singleElement()
                    .satisfies(won -> assertThat(won.fencingToken()).isEqualTo(1));
            String winner = results.stream().filter(AcquireResult::acquired).findFirst().orElseThrow().row().holderId();
            assertThat(results).extracting(r -> r.row().holderId()).as("round %d: holder each saw", round)
                    .containsOnly(winner);
            assertThat(SqliteFiles.rows(db, "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version"
                    + " ORDER BY version")).as("round %d: schema_migrations", round)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, Migration.LATEST)
                            .mapToObj(version -> List.<Object>of(version, 1)).toList());
            assertThat(SqliteFiles.rows(db, "SELECT kind FROM scheduler_lock_history"))
                    .containsExactly(List.of("acquired"));
        }
    }

    private List<Outcome> startTogether(Path db) throws InterruptedException {
        CyclicBarrier start = new CyclicBarrier(SIDECARS);
        ExecutorService pool = Executors.newFixedThreadPool(SIDECARS);
        try {
            List<Future<AcquireResult>> futures = new ArrayList<>();
            for (int n = 0; n < SIDECARS; n++) {
                futures.add(pool.submit(sidecar(db, n, start)));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<AcquireResult> future : futures) {
                try {
                    outcomes.add(new Outcome(future.get(), null));
                } catch (ExecutionException e) {
                    outcomes.add(new Outcome(null, e.getCause()));
                }
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Callable<AcquireResult> sidecar(Path db, int n, CyclicBarrier start) {
        HolderIdentity me = HolderIdentity.forThisProcess("pod-" + n, "uid-" + n, "node-1");
        return () -> {
            try (LeaseStore store = SqliteFiles.store(db)) {
                start.await();
                store.migrate();
                return store.tryAcquire(LOCK, me, 30_000, TakeoverRule.expired());
            }
        };
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private record Outcome(AcquireResult result, Throwable failure) {
    }
}
