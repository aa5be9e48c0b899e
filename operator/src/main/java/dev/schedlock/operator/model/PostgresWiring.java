package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.PostgresStore;
import dev.schedlock.operator.api.v1alpha1.SecretKeyRef;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * PostgreSQL: the store's clock decides expiry, so pods may run anywhere. The password comes from the
 * referenced Secret as a mounted file: an env var would show in {@code kubectl describe} and in
 * {@code /proc/<pid>/environ}, a flag in {@code ps}.
 */
final class PostgresWiring implements StoreWiring {

    static final String PASSWORD_VOLUME = "schedlock-store-password";
    static final String PASSWORD_DIR = "/etc/schedlock/store";
    static final String PASSWORD_FILE = "password";
    static final String DEFAULT_KEY = "password";
    static final String DEFAULT_SCHEMA = "schedlock";

    private final PostgresStore postgres;

    PostgresWiring(PostgresStore postgres) {
        this.postgres = postgres;
    }

    @Override
    public List<String> sidecarArgs() {
        List<String> args = new ArrayList<>();
        args.add("--store=" + postgres.getUrl());
        if (postgres.getUser() != null) {
            args.add("--store-user=" + postgres.getUser());
        }
        if (postgres.getPasswordSecretRef() != null) {
            args.add("--store-password-file=" + PASSWORD_DIR + "/" + PASSWORD_FILE);
        }
        args.add("--store-schema=" + schema());
        return args;
    }

    /**
     * The database and the schema. The whole URL counts, so that a change of host, port or database
     * is a change of lock; a change of its parameters only (say sslmode) is treated as one too,
     * which costs a stop of all pods but is never unsafe. The user does not count: it sees the
     * same table.
     */
    @Override
    public String location() {
        return "postgresql:url=" + postgres.getUrl() + ",schema=" + schema();
    }

    private String schema() {
        return postgres.getSchema() != null ? postgres.getSchema() : DEFAULT_SCHEMA;
    }

    @Override
    public List<Volume> volumes() {
        SecretKeyRef ref = postgres.getPasswordSecretRef();
        if (ref == null) {
            return List.of();
        }
        String key = ref.getKey() != null ? ref.getKey() : DEFAULT_KEY;
        return List.of(new VolumeBuilder().withName(PASSWORD_VOLUME)
                .withNewSecret()
                .withSecretName(ref.getName())
                .addNewItem().withKey(key).withPath(PASSWORD_FILE).endItem()
                .withDefaultMode(0440) // group-readable: the pod's fsGroup lets the non-root sidecar read it
                .endSecret()
                .build());
    }

    @Override
    public List<VolumeMount> sidecarMounts() {
        if (postgres.getPasswordSecretRef() == null) {
            return List.of();
        }
        return List.of(new VolumeMountBuilder().withName(PASSWORD_VOLUME).withMountPath(PASSWORD_DIR)
                .withReadOnly(true).build());
    }

    @Override
    public boolean sameNode() {
        return false;
    }

    @Override
    public Optional<PersistentVolumeClaim> claim() {
        return Optional.empty();
    }
}
