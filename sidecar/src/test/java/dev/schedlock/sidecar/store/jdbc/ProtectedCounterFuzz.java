package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HistoryEntry;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.TakeoverRule;
import dev.schedlock.sidecar.store.TransitionKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Many holders, each with its own store and connection, on one database; only the lease keeps
 * them from corrupting a counter that has no protection of its own (ShedLock's fuzz test habit).
 * Each database's fuzz test runs this on a database of its kind.
 *
 * <p>The counter is a text file with one line per critical section, the fencing token of the
 * holding that wrote it. Each critical section reads the whole file, yields (and sometimes
 * renews, a real round trip to the store), then rewrites it with one more line. Two holders at
 * once would lose a line or write tokens out of order.
 */
final class ProtectedCounterFuzz {

    /** The database under test, as the fuzz needs it. */
    interface Database {

        /** A new store with a connection of its own; the schema is migrated once, before the holders start. */
        LeaseStore open();

        /**
         * Moves the heartbeat of the holding {@code (lockName, holderId, token)} {@code millis} into
         * the past by raw SQL, as if its holder had crashed long ago; returns the rows changed.
         */
        int backdate(String lockName, String holderId, long token, long millis);
    }

    private static final String LOCK = "fuzz";
    static final int HOLDERS = 8;
    private static final int ATTEMPTS_PER_HOLDER = 150;
    /** Every fourth holding is abandoned (made stale by SQL) instead of released. */
    private static final int ABANDON_EVERY = 4;
    /**
     * Short for a lease, long for a critical section of a few milliseconds: a holding ends by
     * release or by backdating, never because a slow CI machine let it run out.
     */
    private static final long TTL_MS = 5_000;

    private final Database database;
    private final Path counter;

    /** @param counter a file that does not exist yet, for the protected counter */
    ProtectedCounterFuzz(Database database, Path counter) {
        this.database = database;
        this.counter = counter;
    }

    /** Lets the holders race, then checks the counter, the final token and the history. */
    void runAndCheck() throws Exception {
        Files.writeString(counter, "");
        try (LeaseStore store = database.open()) {
            store.migrate();
        }
        CyclicBarrier start = new CyclicBarrier(HOLDERS);
        ExecutorService pool = Executors.newFixedThreadPool(HOLDERS);
        List<Future<Tally>> futures = new ArrayList<>();
        try {
            for (int n = 0; n < HOLDERS; n++) {
                futures.add(pool.submit(new Holder(n, start)));
            }
            Tally total = new Tally();
            for (Future<Tally> future : futures) {
                total.add(future.get());
            }

            List<Long> written = Files.readAllLines(counter).stream().map(Long::valueOf).toList();
            assertThat(written).as("one line per critical section").hasSize(total.sections);
            assertThat(written).as("tokens seen by the counter").isSorted().doesNotHaveDuplicates();
            assertThat(total.takeovers).as("holdings taken over after being abandoned").isPositive();
            try (LeaseStore store = database.open()) {
                assertThat(store.inspect(LOCK).orElseThrow().fencingToken()).isEqualTo(total.sections);
                List<HistoryEntry> history = store.historySince(0, Integer.MAX_VALUE);
                assertThat(history).filteredOn(e -> e.kind() == TransitionKind.ACQUIRED
                        || e.kind() == TransitionKind.TAKEN_OVER).hasSize(total.sections);
                assertThat(history).filteredOn(e -> e.kind() == TransitionKind.TAKEN_OVER)
                        .hasSize(total.takeovers);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** What one holder did. */
    private static final class Tally {
        int sections;
        int takeovers;

        void add(Tally other) {
            sections += other.sections;
            takeovers += other.takeovers;
        }
    }

    private final class Holder implements Callable<Tally> {
        private final int number;
        private final CyclicBarrier start;
        private HolderIdentity me;

        Holder(int number, CyclicBarrier start) {
            this.number = number;
            this.start = start;
            this.me = identity();
        }

        /** Same pod, new process: a new nonce, so the old holding is not its own any more. */
        private HolderIdentity identity() {
            return HolderIdentity.forThisProcess("holder-" + number, null, "localhost");
        }

        private LeaseStore restart() {
            me = identity();
            return database.open();
        }

        @Override
        public Tally call() throws Exception {
            Tally tally = new Tally();
            LeaseStore store = database.open();
            try {
                start.await();
                for (int attempt = 0; attempt < ATTEMPTS_PER_HOLDER; attempt++) {
                    AcquireResult result = store.tryAcquire(LOCK, me, TTL_MS, TakeoverRule.expired());
                    if (!result.acquired()) {
                        Thread.yield();
                        continue;
                    }
                    long token = result.fencingToken();
                    tally.sections++;
                    if (result.kind() == TransitionKind.TAKEN_OVER) {
                        tally.takeovers++;
                    }
                    updateCounter(store, token, attempt % 2 == 0);
                    if (tally.sections % ABANDON_EVERY == 0) {
                        abandon(token);
                        store.close();
                        store = restart();
                    } else {
                        assertThat(store.release(LOCK, me.id(), token)).as("%s releases", me.id()).isTrue();
                    }
                }
            } finally {
                store.close();
            }
            return tally;
        }

        /** Read, yield, write: correct only while nobody else does the same. */
        private void updateCounter(LeaseStore store, long token, boolean renewInBetween) throws IOException {
            List<String> lines = new ArrayList<>(Files.readAllLines(counter));
            Thread.yield();
            if (renewInBetween) {
                assertThat(store.renew(LOCK, me.id(), token, TTL_MS)).as("%s renews", me.id()).isTrue();
            }
            lines.add(Long.toString(token));
            Files.write(counter, lines);
        }

        /** Walks away from the holding as a crashing holder would, and makes it stale at once. */
        private void abandon(long token) {
            int changed = database.backdate(LOCK, me.id(), token, 2 * TTL_MS);
            assertThat(changed).as("holder %d backdates its own holding", number).isEqualTo(1);
        }
    }
}
