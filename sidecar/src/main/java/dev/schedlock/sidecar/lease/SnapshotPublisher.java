package dev.schedlock.sidecar.lease;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Holds the elector's current {@link LeaseSnapshot}, numbers its versions and tells listeners.
 * A new version is published when something a watcher acts on changes (state, token, holder,
 * store, claims); a renewal or a new reason replaces the snapshot under the same version.
 *
 * <p>Listeners are called while the elector's lock is held, so that they see snapshots in the
 * order they were made; one that throws is logged and the others still run.
 *
 * <p>Guarded by the lock of the {@link LeaseElector} that owns it; only adding listeners is safe
 * without it.
 */
final class SnapshotPublisher {

    private static final System.Logger LOG = System.getLogger(SnapshotPublisher.class.getName());

    private final List<Consumer<LeaseSnapshot>> changeListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<LeaseSnapshot>> renewalListeners = new CopyOnWriteArrayList<>();
    private long version = 1;
    private LeaseSnapshot current;

    SnapshotPublisher(LeaseSnapshot first) {
        this.current = first.withVersion(version);
    }

    void onChange(Consumer<LeaseSnapshot> listener) {
        changeListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void onRenewal(Consumer<LeaseSnapshot> listener) {
        renewalListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    LeaseSnapshot current() {
        return current;
    }

    /**
     * Takes {@code next} (its version is ignored) as the current snapshot: with a new version and
     * told to change listeners if it differs from the current one in what watchers act on, else
     * quietly under the current version.
     */
    void publish(LeaseSnapshot next) {
        LeaseSnapshot previous = current;
        boolean changed = previous.state() != next.state()
                || previous.fencingToken() != next.fencingToken()
                || !Objects.equals(previous.holderId(), next.holderId())
                || !Objects.equals(previous.storeId(), next.storeId())
                || previous.activeClaims() != next.activeClaims();
        if (changed) {
            version++;
        }
        current = next.withVersion(version);
        if (changed) {
            tell(changeListeners, current);
        }
    }

    /** Takes {@code next} under the current version (a renewal is not a change) and tells renewal listeners. */
    void renewed(LeaseSnapshot next) {
        current = next.withVersion(version);
        tell(renewalListeners, current);
    }

    private static void tell(List<Consumer<LeaseSnapshot>> listeners, LeaseSnapshot snapshot) {
        for (Consumer<LeaseSnapshot> listener : listeners) {
            try {
                listener.accept(snapshot);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "lease listener failed: {0}", e.toString());
            }
        }
    }
}
