package dev.schedlock.sidecar.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseMetrics;
import dev.schedlock.sidecar.lease.LeaseState;
import dev.schedlock.sidecar.lease.MonotonicClock;
import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.StoreException.Kind;
import dev.schedlock.sidecar.store.TakeoverRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SQLite file deleted or replaced under a store that holds the lease: the store must notice at
 * its next operation, count nothing it did in the old file, never create the file again, and the
 * elector must revoke at once rather than at its deadline.
 */
class SqliteStoreReplacedIT {

    private static final String LOCK = "default";
    private static final long TTL_MS = 60_000;
    private static final HolderIdentity ALICE = new HolderIdentity("alice/uid/0a", "alice", "host-a", 1);

    @TempDir
    Path dir;

    private Path file;
    private JdbcLeaseStore store;

    @BeforeEach
    void leadInANewStore() {
        file = dir.resolve("lease.db");
        store = SqliteFiles.store(file);
        store.migrate();
        assertThat(store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired()).fencingToken()).isEqualTo(1);
        assertThat(store.renew(LOCK, ALICE.id(), 1, TTL_MS)).as("renewal before the replacement").isTrue();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void shouldFailTheRenewalWhenTheFileIsDeletedAndNeverCreateItAgain() throws Exception {
        deleteWithCompanions(file);

        StoreException replaced = renewalFailure();
        assertThat(replaced.kind()).isEqualTo(Kind.STORE_REPLACED);
        assertThat(replaced.getMessage()).contains(file + " was deleted", "revoked at once");

        StoreException missing = renewalFailure();
        assertThat(missing.kind()).isEqualTo(Kind.CANNOT_OPEN);
        assertThat(missing.getMessage()).contains(file + " does not exist (any more)");
        assertThatThrownBy(() -> store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired()))
                .isInstanceOf(StoreException.class);
        assertThat(SqliteFiles.entries(dir)).as("nothing created by the running store").isEmpty();
    }

    @Test
    void shouldFailTheRenewalWhenAnotherDatabaseIsRenamedOverTheFileAndThenFollowTheNewStore() throws Exception {
        String oldId = store.storeId();
        Path other = dir.resolve("other.db");
        String newId;
        try (JdbcLeaseStore fresh = SqliteFiles.store(other)) {
            fresh.migrate();
            newId = fresh.storeId();
        }
        assertThat(newId).isNotNull().isNotEqualTo(oldId);

        Files.move(other, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.delete(Path.of(file + "-wal"));
        Files.delete(Path.of(file + "-shm"));

        StoreException replaced = renewalFailure();
        assertThat(replaced.kind()).isEqualTo(Kind.STORE_REPLACED);
        assertThat(replaced.getMessage()).contains(file + " was replaced");
        // Opened again: the file at the path is another store, which says so once.
        StoreException otherStore = failureOf(() -> store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired()));
        assertThat(otherStore.kind()).isEqualTo(Kind.STORE_REPLACED);
        assertThat(otherStore.getMessage()).contains("store id changed from " + oldId + " to " + newId);

        AcquireResult inNewStore = store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired());
        assertThat(inNewStore.fencingToken()).as("token 1 again, of another store").isEqualTo(1);
        assertThat(store.storeId()).isEqualTo(newId);
    }

    /** A copy of the same store (same id, same holding) renamed over it: still a new file. */
    @Test
    void shouldFailTheRenewalWhenACopyOfTheSameStoreIsRenamedOverTheFile() throws Exception {
        String id = store.storeId();
        Path copy = dir.resolve("copy.db");
        SqliteFiles.update(file, "VACUUM INTO '" + copy + "'");

        Files.move(copy, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.delete(Path.of(file + "-wal")); // never paired with the copy: SQLite would read it into it
        Files.delete(Path.of(file + "-shm"));

        assertThat(renewalFailure().kind()).isEqualTo(Kind.STORE_REPLACED);
        AcquireResult again = store.tryAcquire(LOCK, ALICE, TTL_MS, TakeoverRule.expired());
        assertThat(again.fencingToken()).as("its own holding in the copy, taken back with a new token").isEqualTo(2);
        assertThat(store.storeId()).isEqualTo(id);
    }

    /**
     * The check after the statement: a renewal that committed in a file which the path no longer
     * named afterwards does not count (here the file is deleted between the check before the
     * statement and the statement itself).
     */
    @Test
    void shouldNotCountARenewalThatCommittedInAFileThePathNoLongerNames() {
        StoreException e = failureOf(() -> store.run("renewal", c -> {
            deleteWithCompanions(file);
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE scheduler_lock SET heartbeat_at = heartbeat_at + 1 WHERE name = ?")) {
                ps.setString(1, LOCK);
                assertThat(ps.executeUpdate()).as("the statement itself succeeds, in the unlinked file").isEqualTo(1);
            }
            return true;
        }));

        assertThat(e.kind()).isEqualTo(Kind.STORE_REPLACED);
    }

    /**
     * Only the -wal and -shm files deleted: a process opening the database now would not see the
     * commits in the old -wal. The store notices; its token was checkpointed into the database
     * file when it was acquired, so the store at the path still knows it.
     */
    @Test
    void shouldFailTheRenewalWhenOnlyTheWalIsDeletedAndKeepTheTokenInTheFile() throws Exception {
        Files.delete(Path.of(file + "-wal"));
        Files.delete(Path.of(file + "-shm"));

        StoreException e = renewalFailure();
        assertThat(e.kind()).isEqualTo(Kind.STORE_REPLACED);
        assertThat(e.getMessage()).contains(file + "-wal was deleted");

        LockRow row = store.inspect(LOCK).orElseThrow();
        assertThat(row.holderId()).isEqualTo(ALICE.id());
        assertThat(row.fencingToken()).as("the token, from the database file").isEqualTo(1);
    }

    @Test
    void shouldMakeTheLeadingElectorRevokeAtOnceNotAtItsDeadline() throws Exception {
        LeaseConfig config = LeaseConfig.builder().lockName("elected").build(); // TTL 60 s: deadline 54 s away
        LeaseElector elector = new LeaseElector(config, store, ALICE, MonotonicClock.SYSTEM, () -> 0.0,
                LeaseMetrics.NOOP);
        elector.step();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().storeId()).isEqualTo(store.storeId());
        assertThat(elector.podPermit().granted()).isTrue();

        deleteWithCompanions(file);
        long nextStep = elector.step();

        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.DEGRADED);
        assertThat(elector.snapshot().reason()).startsWith("store replaced under the lease: ").contains("was deleted");
        assertThat(elector.podPermit().granted()).as("a permit after the renewal found the file gone").isFalse();
        assertThat(elector.nanosUntilDeadline()).as("not leading: no deadline left to wait for")
                .isEqualTo(Long.MAX_VALUE);
        assertThat(elector.heldToken()).isZero();
        assertThat(nextStep).as("look at the store at the path at once").isZero();
    }

    private StoreException renewalFailure() {
        return failureOf(() -> store.renew(LOCK, ALICE.id(), 1, TTL_MS));
    }

    private static StoreException failureOf(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("the store's answer").isInstanceOf(StoreException.class);
        return (StoreException) thrown;
    }

    private static void deleteWithCompanions(Path db) {
        try {
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(Path.of(db + suffix));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
