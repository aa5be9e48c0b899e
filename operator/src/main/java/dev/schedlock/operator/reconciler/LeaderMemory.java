package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.api.v1alpha1.LeaderStatus;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The leader each resource had at its last reconcile. The informer cache may still hold the status
 * from before our own last write (a pod event can trigger the next reconcile first); judging a
 * change by it would record the same leader change twice. After a restart the memory is empty and
 * the written status is the best knowledge.
 */
final class LeaderMemory {

    /** Bounded, oldest first out: entries of deleted resources must not pile up (no finalizer tells us). */
    private static final int MAX_ENTRIES = 10_000;

    private final Map<String, LeaderStatus> byUid = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LeaderStatus> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    /** The leader as of the last reconcile of {@code sd}, or as its status says if none was seen yet. */
    synchronized LeaderStatus previous(SchedulerDeployment sd) {
        String uid = sd.getMetadata().getUid();
        if (byUid.containsKey(uid)) {
            return byUid.get(uid);
        }
        return sd.getStatus() != null ? sd.getStatus().getLeader() : null;
    }

    synchronized void remember(SchedulerDeployment sd, LeaderStatus leader) {
        byUid.put(sd.getMetadata().getUid(), leader);
    }
}
