package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.SqliteStore;
import dev.schedlock.operator.api.v1alpha1.VolumeClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;
import java.util.Optional;

/**
 * SQLite on a ReadWriteOnce claim. SQLite's locking is only safe among processes of one host (DESIGN
 * §2, assumption 1), so every replica must run on the node that mounts the claim.
 */
final class SqliteWiring implements StoreWiring {

    static final String VOLUME = "schedlock-data";
    static final String MOUNT_PATH = "/var/lib/schedlock";
    static final String DEFAULT_PATH = "lease.db";
    static final String DEFAULT_SIZE = "1Gi";

    private final SchedulerDeployment sd;
    private final SqliteStore sqlite;

    SqliteWiring(SchedulerDeployment sd, SqliteStore sqlite) {
        this.sd = sd;
        this.sqlite = sqlite;
    }

    @Override
    public List<String> sidecarArgs() {
        return List.of("--store=jdbc:sqlite:" + MOUNT_PATH + "/" + path());
    }

    @Override
    public List<Volume> volumes() {
        return List.of(new VolumeBuilder().withName(VOLUME)
                .withNewPersistentVolumeClaim().withClaimName(claimName()).endPersistentVolumeClaim()
                .build());
    }

    /** The file on the claim: another claim or another path is another lock table. */
    @Override
    public String location() {
        return "sqlite:claim=" + claimName() + ",path=" + path();
    }

    private String path() {
        return sqlite.getPath() != null ? sqlite.getPath() : DEFAULT_PATH;
    }

    private String claimName() {
        return sqlite.getExistingClaim() != null ? sqlite.getExistingClaim() : Names.leaseClaim(sd);
    }

    @Override
    public List<VolumeMount> sidecarMounts() {
        return List.of(new VolumeMountBuilder().withName(VOLUME).withMountPath(MOUNT_PATH).build());
    }

    @Override
    public boolean sameNode() {
        return true;
    }

    @Override
    public Optional<PersistentVolumeClaim> claim() {
        if (sqlite.getExistingClaim() != null) {
            return Optional.empty();
        }
        VolumeClaimSpec spec = sqlite.getVolumeClaim() != null ? sqlite.getVolumeClaim() : new VolumeClaimSpec();
        String size = spec.getSize() != null ? spec.getSize() : DEFAULT_SIZE;
        return Optional.of(new PersistentVolumeClaimBuilder()
                .withMetadata(Labels.ownedMeta(sd, Names.leaseClaim(sd)))
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(spec.getStorageClassName())
                .withNewResources().addToRequests("storage", new Quantity(size)).endResources()
                .endSpec()
                .build());
    }
}
