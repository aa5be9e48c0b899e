package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.store.AcquireResult;
import dev.schedlock.sidecar.store.HistoryEntry;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.TakeoverRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * A {@link LeaseStore} for many in-process electors at once: each call borrows one of a fixed pool
 * of stores (each one connection, as in a sidecar), makes the call on it and gives it back, so that
 * a few connections serve any number of electors, as a transaction pooler would. The renewal,
 * acquire and error counters, the latency of renewals and of acquire attempts (the store call,
 * borrowing included) and the time the stores were busy are taken here, while {@link #recording}
 * is on.
 *
 * <p>Unlike the stores it wraps, this one is thread-safe: all electors may share one instance.
 */
final class PooledLeaseStore implements LeaseStore {

    private final BlockingQueue<LeaseStore> idle;
    private final List<LeaseStore> all;
    private final LeaseStore first;

    final LatencyHistogram renewLatency = new LatencyHistogram();
    final LatencyHistogram acquireLatency = new LatencyHistogram();
    /** Time the stores spent in calls: over the pool's size and the window, how busy the pool was. */
    final LongAdder busyNanos = new LongAdder();
    final LongAdder renewed = new LongAdder();
    final LongAdder renewRefused = new LongAdder();
    final LongAdder acquired = new LongAdder();
    final LongAdder heldByOther = new LongAdder();
    final LongAdder errors = new LongAdder();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    volatile boolean recording;

    /** Takes ownership of {@code stores}: {@link #close()} closes them. */
    PooledLeaseStore(List<? extends LeaseStore> stores) {
        if (stores.isEmpty()) {
            throw new IllegalArgumentException("a pool needs at least one store");
        }
        this.all = List.copyOf(stores);
        this.idle = new ArrayBlockingQueue<>(all.size(), false, all);
        this.first = all.get(0);
    }

    int size() {
        return all.size();
    }

    /** The first error's message while recording, or null when there was none. */
    String firstError() {
        return firstError.get();
    }

    private <T> T borrowing(Function<LeaseStore, T> call) {
        LeaseStore store;
        try {
            store = idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(StoreException.Kind.UNAVAILABLE, "interrupted while waiting for a connection", e);
        }
        long start = System.nanoTime();
        try {
            return call.apply(store);
        } catch (RuntimeException e) {
            if (recording) {
                errors.increment();
                firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            throw e;
        } finally {
            if (recording) {
                busyNanos.add(System.nanoTime() - start);
            }
            idle.add(store);
        }
    }

    @Override
    public AcquireResult tryAcquire(String lockName, HolderIdentity holder, long ttlMs, TakeoverRule rule) {
        long start = System.nanoTime();
        AcquireResult result = borrowing(s -> s.tryAcquire(lockName, holder, ttlMs, rule));
        if (recording) {
            acquireLatency.record(System.nanoTime() - start);
            (result.acquired() ? acquired : heldByOther).increment();
        }
        return result;
    }

    @Override
    public boolean renew(String lockName, String holderId, long fencingToken, long ttlMs) {
        long start = System.nanoTime();
        boolean result = borrowing(s -> s.renew(lockName, holderId, fencingToken, ttlMs));
        if (recording) {
            renewLatency.record(System.nanoTime() - start);
            (result ? renewed : renewRefused).increment();
        }
        return result;
    }

    @Override
    public boolean release(String lockName, String holderId, long fencingToken) {
        return borrowing(s -> s.release(lockName, holderId, fencingToken));
    }

    @Override
    public Optional<LockRow> forceRelease(String lockName, String reason) {
        return borrowing(s -> s.forceRelease(lockName, reason));
    }

    @Override
    public Optional<LockRow> inspect(String lockName) {
        return borrowing(s -> s.inspect(lockName));
    }

    @Override
    public long storeTimeMillis() {
        return borrowing(LeaseStore::storeTimeMillis);
    }

    @Override
    public void migrate() {
        borrowing(s -> {
            s.migrate();
            return null;
        });
    }

    @Override
    public int schemaVersion() {
        return borrowing(LeaseStore::schemaVersion);
    }

    @Override
    public List<HistoryEntry> recentHistory(String lockName, int limit) {
        return borrowing(s -> s.recentHistory(lockName, limit));
    }

    @Override
    public List<HistoryEntry> historyBetween(String lockName, long fromMs, long toMs) {
        return borrowing(s -> s.historyBetween(lockName, fromMs, toMs));
    }

    @Override
    public List<HistoryEntry> historySince(long sinceMs, int limit) {
        return borrowing(s -> s.historySince(sinceMs, limit));
    }

    @Override
    public int pruneHistory(long olderThanMs) {
        return borrowing(s -> s.pruneHistory(olderThanMs));
    }

    /** Every store of the pool reads the same id (its field only, no store call). */
    @Override
    public String storeId() {
        return first.storeId();
    }

    @Override
    public String describe() {
        return first.describe() + " (pool of " + all.size() + ")";
    }

    /** Opens every connection now (one clock read each), so that none opens inside the window. */
    void connectAll() {
        List<LeaseStore> taken = new ArrayList<>();
        try {
            for (int i = 0; i < all.size(); i++) {
                LeaseStore s = idle.take();
                taken.add(s);
                s.storeTimeMillis();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            idle.addAll(taken);
        }
    }

    @Override
    public void close() {
        all.forEach(LeaseStore::close);
    }
}
