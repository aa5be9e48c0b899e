package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.StoreSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import java.util.Optional;

/** How one kind of store reaches the sidecar: its flags, volumes and mounts, and where pods may run. */
public interface StoreWiring {

    /** The sidecar's {@code --store…} flags. Never a password. */
    List<String> sidecarArgs();

    /** Volumes to add to the pod. */
    List<Volume> volumes();

    /** Mounts of those volumes in the sidecar. */
    List<VolumeMount> sidecarMounts();

    /** Whether all replicas must share one node (a local file store). */
    boolean sameNode();

    /** The claim the operator creates, if any. */
    Optional<PersistentVolumeClaim> claim();

    /**
     * Where the lock table lives, as far as the resource tells: pods with another location (or
     * another lock name) compete for another lock row. May name a URL; never a password.
     */
    String location();

    /** The wiring for the resource's one store; call after {@link SpecValidator} found no problem. */
    static StoreWiring of(SchedulerDeployment sd) {
        StoreSpec store = sd.getSpec().getStore();
        return store.getSqlite() != null
                ? new SqliteWiring(sd, store.getSqlite())
                : new PostgresWiring(store.getPostgres());
    }
}
