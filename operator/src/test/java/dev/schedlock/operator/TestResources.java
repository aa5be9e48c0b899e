package dev.schedlock.operator;

import dev.schedlock.operator.api.v1alpha1.PostgresStore;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeploymentSpec;
import dev.schedlock.operator.api.v1alpha1.SecretKeyRef;
import dev.schedlock.operator.api.v1alpha1.SqliteStore;
import dev.schedlock.operator.api.v1alpha1.StoreSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;

/** SchedulerDeployments as a user would write them, for the model tests and the ITs. */
public final class TestResources {

    public static final String NAMESPACE = "jobs";
    public static final String APP_IMAGE = "example.org/billing-scheduler:1.4";

    private TestResources() {
    }

    /** A resource on a SQLite store with every optional field left out. */
    public static SchedulerDeployment sqlite(String name) {
        StoreSpec store = new StoreSpec();
        store.setSqlite(new SqliteStore());
        return resource(name, store);
    }

    /** A resource on PostgreSQL with the password in Secret {@code db-credentials}. */
    public static SchedulerDeployment postgres(String name) {
        PostgresStore pg = new PostgresStore();
        pg.setUrl("jdbc:postgresql://db.example:5432/billing");
        pg.setUser("billing");
        pg.setPasswordSecretRef(new SecretKeyRef("db-credentials", "pw"));
        StoreSpec store = new StoreSpec();
        store.setPostgres(pg);
        return resource(name, store);
    }

    private static SchedulerDeployment resource(String name, StoreSpec store) {
        SchedulerDeploymentSpec spec = new SchedulerDeploymentSpec();
        spec.setTemplate(appTemplate());
        spec.setStore(store);
        SchedulerDeployment sd = new SchedulerDeployment();
        sd.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE)
                .withUid("uid-" + name).withGeneration(1L).build());
        sd.setSpec(spec);
        return sd;
    }

    public static PodTemplateSpec appTemplate() {
        return new PodTemplateSpecBuilder()
                .withNewMetadata().addToLabels("app", "billing").endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage(APP_IMAGE)
                .addNewEnv().withName("MODE").withValue("scheduler").endEnv()
                .endContainer()
                .endSpec()
                .build();
    }
}
