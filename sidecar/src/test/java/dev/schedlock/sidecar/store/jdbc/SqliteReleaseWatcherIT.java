package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.TakeoverRule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite release watcher on a real file, written by a real store on its own connection: it
 * wakes on a release (each one), not on renewals, and it never creates or changes a file.
 */
class SqliteReleaseWatcherIT {

    private static final String LOCK = "jobs";
    private static final long TTL_MS = 60_000;
    private static final HolderIdentity ALICE = new HolderIdentity("alice-pod/uid/1", "alice-pod", "alice-host", 1);
    private static final HolderIdentity BOB = new HolderIdentity("bob-pod/uid/2", "bob-pod", "bob-host", 2);
    private static final Duration INTERVAL = Duration.ofMillis(20);
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void shouldWakeOnEveryReleaseAndNotOnRenewals() {
        Path file = dir.resolve("lease.db");
        SqliteDialect dialect = new SqliteDialect(file, Duration.ofSeconds(5));
        AtomicInteger wakes = new AtomicInteger();
        try (JdbcLeaseStore store = new JdbcLeaseStore(dialect)) {
            store.migrate();
            long token = store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired()).fencingToken();
            try (SqliteReleaseWatcher watcher = new SqliteReleaseWatcher(dialect, LOCK, INTERVAL,
                    wakes::incrementAndGet)) {
                watcher.start();
                for (int i = 0; i < 20; i++) {
                    assertThat(store.renew(LOCK, ALICE.id(), token, TTL_MS)).isTrue();
                }
                // Another lock's release changes the file but frees nothing of ours.
                long other = store.tryAcquire("other", BOB, TTL_MS, TakeoverRule.expired()).fencingToken();
                assertThat(store.release("other", BOB.id(), other)).isTrue();
                // Nothing to wait for: five polls' worth of time with no wake shows those changes woke nobody.
                await("no wake for renewals and other locks").during(INTERVAL.multipliedBy(5)).atMost(PATIENCE)
                        .untilAtomic(wakes, is(0));

                assertThat(store.release(LOCK, ALICE.id(), token)).isTrue();
                await("a wake after the release").atMost(PATIENCE).untilAtomic(wakes, is(1));

                // Taken and released again within one poll or not: a release with a new token wakes.
                long next = store.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.freeOnly()).fencingToken();
                assertThat(next).isEqualTo(token + 1);
                assertThat(store.renew(LOCK, BOB.id(), next, TTL_MS)).isTrue();
                assertThat(store.release(LOCK, BOB.id(), next)).isTrue();
                await("a wake after the second release").atMost(PATIENCE)
                        .untilAtomic(wakes, is(2));
            }
        }
        assertThat(wakes).as("wakes: one per release of %s, none for renewals or other locks", LOCK).hasValue(2);
    }

    @Test
    void shouldWakeAtOnceWhenTheLockIsFreeWhenFirstSeen() {
        Path file = dir.resolve("lease.db");
        SqliteDialect dialect = new SqliteDialect(file, Duration.ofSeconds(5));
        AtomicInteger wakes = new AtomicInteger();
        try (JdbcLeaseStore store = new JdbcLeaseStore(dialect)) {
            store.migrate();
            try (SqliteReleaseWatcher watcher = new SqliteReleaseWatcher(dialect, LOCK, INTERVAL,
                    wakes::incrementAndGet)) {
                watcher.start();
                await("a wake for a lock nobody holds").atMost(PATIENCE).untilAtomic(wakes, is(1));
            }
        }
    }

    /** Another file renamed over the watched one: the watcher follows the path, not the file it opened. */
    @Test
    void shouldWatchTheNewFileWhenTheFileIsReplaced() throws IOException {
        Path file = dir.resolve("lease.db");
        Path other = dir.resolve("other.db");
        long token;
        try (JdbcLeaseStore otherStore = SqliteFiles.store(other)) {
            otherStore.migrate();
            token = otherStore.tryAcquire(LOCK, BOB, TTL_MS, TakeoverRule.expired()).fencingToken();
        }
        SqliteDialect dialect = new SqliteDialect(file, Duration.ofSeconds(5));
        AtomicInteger wakes = new AtomicInteger();
        try (JdbcLeaseStore store = new JdbcLeaseStore(dialect)) {
            store.migrate();
            store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired());
            try (SqliteReleaseWatcher watcher = new SqliteReleaseWatcher(dialect, LOCK, INTERVAL,
                    wakes::incrementAndGet)) {
                watcher.start();
                await("no wake while the lock is held").during(INTERVAL.multipliedBy(5)).atMost(PATIENCE)
                        .untilAtomic(wakes, is(0));

                Files.move(other, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Files.delete(Path.of(file + "-wal")); // never to be paired with the new file
                Files.delete(Path.of(file + "-shm"));
                // The candidate is woken at once, so that its next operation reports the replaced store.
                await("a wake for the replaced file").atMost(PATIENCE).untilAtomic(wakes, is(1));
                await("no other wake while the lock is held in the new file").during(INTERVAL.multipliedBy(5))
                        .atMost(PATIENCE).untilAtomic(wakes, is(1));
                try (JdbcLeaseStore onNewFile = SqliteFiles.store(file)) {
                    assertThat(onNewFile.release(LOCK, BOB.id(), token)).as("released in the file now at the path")
                            .isTrue();
                }

                await("a wake for the release in the new file").atMost(PATIENCE).untilAtomic(wakes, is(2));
            }
        }
    }

    @Test
    void shouldNeitherCreateNorChangeFiles() throws IOException {
        Path missing = dir.resolve("missing.db");
        Path corrupt = dir.resolve("corrupt.db");
        byte[] noise = "not a database, but somebody's file".repeat(200).getBytes(StandardCharsets.UTF_8);
        Files.write(corrupt, noise);
        AtomicInteger wakes = new AtomicInteger();
        SqliteReleaseWatcher onMissing = new SqliteReleaseWatcher(new SqliteDialect(missing, Duration.ofSeconds(1)),
                LOCK, INTERVAL, wakes::incrementAndGet);
        SqliteReleaseWatcher onCorrupt = new SqliteReleaseWatcher(new SqliteDialect(corrupt, Duration.ofSeconds(1)),
                LOCK, INTERVAL, wakes::incrementAndGet);
        try (onMissing; onCorrupt) {
            onMissing.start();
            onCorrupt.start();
            // Each makes its first attempt at once and then backs off for 500 ms: 1.5 s spans three.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> !Files.exists(missing) && wakes.get() == 0);
        }
        assertThat(dir.resolve("missing.db")).doesNotExist();
        assertThat(corrupt).hasBinaryContent(noise);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("corrupt.db");
        }
    }
}
