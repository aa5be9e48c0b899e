package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.TakeoverRule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * Every sidecar of a Deployment starts at once on an empty database: each migrates, then tries to
 * acquire. The schema must be created once and the lease granted once, with no sidecar failing.
 * Each database's simultaneous-start test runs rounds of this on new empty databases.
 */
final class SimultaneousStart {

    /** One empty database, as the race needs it. */
    interface Database {

        /** A new store with a connection of its own; not migrated. */
        LeaseStore open();

        /** Runs a query where the store keeps its tables; every row as a list of column values. */
        List<List<Object>> rows(String sql);
    }

    private static final String LOCK = "jobs";
    static final int SIDECARS = 8;

    private SimultaneousStart() {
    }

    /** Starts {@link #SIDECARS} stores on {@code database} at once through a barrier and checks the outcome. */
    static void raceAndCheck(Database database, String round) throws InterruptedException {
        List<Outcome> outcomes = startTogether(database);

        List<Throwable> failures = outcomes.stream().map(Outcome::failure).filter(Objects::nonNull).toList();
        assertThat(failures).withFailMessage(() -> round + ": " + failures.size()
                + " sidecar(s) failed, the first with:\n" + stackTrace(failures.get(0))).isEmpty();
        List<AcquireResult> results = outcomes.stream().map(Outcome::result).toList();
        assertThat(results).filteredOn(AcquireResult::acquired).as("%s: winners", round).singleElement()
                .satisfies(won -> assertThat(won.fencingToken()).isEqualTo(1));
        String winner = results.stream().filter(AcquireResult::acquired).findFirst().orElseThrow().row().holderId();
        assertThat(results).extracting(r -> r.row().holderId()).as("%s: holder each saw", round)
                .containsOnly(winner);
        assertThat(numbers(database.rows("SELECT version, COUNT(*) FROM schema_migrations GROUP BY version"
                + " ORDER BY version"))).as("%s: schema_migrations", round)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, Migration.LATEST)
                        .mapToObj(version -> List.of((long) version, 1L)).toList());
        assertThat(database.rows("SELECT kind FROM scheduler_lock_history")).as("%s: history", round)
                .containsExactly(List.of("acquired"));
    }

    /** Integer and long columns alike, so that databases with other integer types compare equal. */
    private static List<List<Long>> numbers(List<List<Object>> rows) {
        return rows.stream().map(row -> row.stream().map(v -> ((Number) v).longValue()).toList()).toList();
    }

    private static List<Outcome> startTogether(Database database) throws InterruptedException {
        CyclicBarrier start = new CyclicBarrier(SIDECARS);
        ExecutorService pool = Executors.newFixedThreadPool(SIDECARS);
        try {
            List<Future<AcquireResult>> futures = new ArrayList<>();
            for (int n = 0; n < SIDECARS; n++) {
                futures.add(pool.submit(sidecar(database, n, start)));
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

    private static Callable<AcquireResult> sidecar(Database database, int n, CyclicBarrier start) {
        HolderIdentity me = HolderIdentity.forThisProcess("pod-" + n, "uid-" + n, "node-1");
        return () -> {
            try (LeaseStore store = database.open()) {
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
