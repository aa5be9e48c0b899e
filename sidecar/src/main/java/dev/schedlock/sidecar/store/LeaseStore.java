package dev.schedlock.sidecar.store;

import java.util.List;
import java.util.Optional;

/**
 * The lease table. Every operation is one conditional statement, or one transaction that takes
 * the write lock first, guarded by the owner ({@code name}, {@code holder_id},
 * {@code fencing_token}); success means exactly one row changed. Contention is a normal
 * {@code false}; failures of the store itself are {@link StoreException}s. An operation on a store
 * that was replaced under this process (a SQLite file deleted or renamed over, tables dropped and
 * recreated) fails with kind {@code STORE_REPLACED}, whatever it did there: a holder must revoke
 * at once.
 *
 * <p>Implementations are not thread-safe: one elector uses one store from one thread at a time.
 *
 * <p>Not guaranteed here: anything about the caller's local time. The caller measures its own
 * deadline from the moment it sent the statement (see {@code docs/lease-protocol.md}).
 */
public interface LeaseStore extends AutoCloseable {

    /**
     * Brings the schema to this version's level. Safe when several processes call it on the same
     * empty database at once: exactly one creates the schema.
     *
     * @throws StoreException with kind {@code FOREIGN_DATABASE}, {@code NEWER_SCHEMA},
     *                        {@code CORRUPT}, {@code READ_ONLY} … and a message saying what to do
     */
    void migrate();

    /** The schema version recorded in {@code schema_migrations}, 0 when there is none. */
    int schemaVersion();

    /**
     * Acquires the lock for {@code holder} if it is free, held by {@code holder} itself, or
     * allowed by {@code rule}. On success the fencing token is incremented in the same atomic
     * step, committed durably, and a history row is written.
     */
    AcquireResult tryAcquire(String lockName, HolderIdentity holder, long ttlMs, TakeoverRule rule);

    /**
     * Extends the holding ({@code heartbeat_at = now}) if it is still this holder's, with this
     * token, and not expired by the store's clock. A renewal of an expired row fails: the holder
     * must acquire again and get a new token.
     *
     * @return true when exactly one row changed
     */
    boolean renew(String lockName, String holderId, long fencingToken, long ttlMs);

    /**
     * Frees the lock if it is still this holder's with this token. The fencing token is kept, so
     * the next acquisition gets a higher one.
     *
     * @return true when exactly one row changed
     */
    boolean release(String lockName, String holderId, long fencingToken);

    /**
     * Break-glass: frees the lock whoever holds it, recording {@code FORCE_RELEASED}. Safe only when
     * the holder is known to be dead; documented as such.
     *
     * @return the holding that was cleared, if any
     */
    Optional<LockRow> forceRelease(String lockName, String reason);

    /** The row for {@code lockName} with the store's current time, or empty if never acquired. */
    Optional<LockRow> inspect(String lockName);

    /** The store's clock, milliseconds since the epoch. */
    long storeTimeMillis();

    /** The newest {@code limit} transitions of one lock, newest first. */
    List<HistoryEntry> recentHistory(String lockName, int limit);

    /** Transitions of one lock with {@code fromMs <= at < toMs}, oldest first. */
    List<HistoryEntry> historyBetween(String lockName, long fromMs, long toMs);

    /** Transitions of every lock since {@code sinceMs} (inclusive), oldest first, at most {@code limit}. */
    List<HistoryEntry> historySince(long sinceMs, int limit);

    /** Deletes history rows older than {@code olderThanMs}; returns how many. */
    int pruneHistory(long olderThanMs);

    /**
     * The store's identity: a random id written when its schema was created, never changed. Token
     * 1 of a new store differs from token 1 of an old one by this id. Known once a migrated store
     * was opened (no store call here); null before, or for a schema that predates it.
     */
    default String storeId() {
        return null;
    }

    /**
     * A watch (not started) that calls {@code onRelease} when the holder of {@code lockName}
     * releases it, so that a waiting candidate acquires at once instead of at its next retry
     * (PostgreSQL: LISTEN/NOTIFY; SQLite: a poll of the file's data version). It uses a
     * connection of its own. A store that cannot tell of a release gives {@link ReleaseWatch#NONE}.
     */
    default ReleaseWatch releaseWatch(String lockName, Runnable onRelease) {
        return ReleaseWatch.NONE;
    }

    /** A short description for logs, without credentials (e.g. {@code sqlite:/data/lock.db}). */
    String describe();

    @Override
    void close();
}
