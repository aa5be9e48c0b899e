package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/**
 * What the user asks for: their pod template, how many copies, and where the lease lives. {@code lease}
 * and {@code monitoring} default to {@code {}}, so that the API server fills in their fields' defaults
 * and {@code kubectl get -o yaml} shows the effective timing.
 */
@SchemaCustomizer(value = SchemaPatch.class,
        input = "{\"properties\":{\"lease\":{\"default\":{}},\"monitoring\":{\"default\":{}}}}")
public class SchedulerDeploymentSpec {

    @JsonPropertyDescription("Number of pods. One of them holds the lease and schedules; the others stand by."
            + " Default: 2.")
    @Min(0)
    @Default("2")
    @SpecReplicas
    private Integer replicas;

    // The full PodTemplateSpec schema would make the CRD too large for client-side `kubectl apply`
    // (the last-applied annotation is limited to 256 KiB); the API server validates the template
    // when the operator creates the Deployment, and the operator reports that error in status.
    @JsonPropertyDescription("Pod template of the scheduler app, as in a Deployment. The operator adds the"
            + " schedlock sidecar, a shared volume and the env vars SCHEDLOCK_URL and SCHEDLOCK_SIGNAL_FILE"
            + " to it. Its fields are validated by the API server when the Deployment is written.")
    @Required
    @SchemaFrom(type = UnvalidatedObject.class)
    @PreserveUnknownFields
    private PodTemplateSpec template;

    @JsonPropertyDescription("Timing and name of the lease. Every field has a default.")
    private LeaseSpec lease;

    @JsonPropertyDescription("Where the lease lives: exactly one of sqlite (all pods on one node) and"
            + " postgres (pods on any node).")
    @Required
    private StoreSpec store;

    @JsonPropertyDescription("The injected sidecar container: image, resources and ports.")
    private SidecarSpec sidecar;

    @JsonPropertyDescription("Prometheus Operator integration.")
    private MonitoringSpec monitoring;

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public PodTemplateSpec getTemplate() {
        return template;
    }

    public void setTemplate(PodTemplateSpec template) {
        this.template = template;
    }

    public LeaseSpec getLease() {
        return lease;
    }

    public void setLease(LeaseSpec lease) {
        this.lease = lease;
    }

    public StoreSpec getStore() {
        return store;
    }

    public void setStore(StoreSpec store) {
        this.store = store;
    }

    public SidecarSpec getSidecar() {
        return sidecar;
    }

    public void setSidecar(SidecarSpec sidecar) {
        this.sidecar = sidecar;
    }

    public MonitoringSpec getMonitoring() {
        return monitoring;
    }

    public void setMonitoring(MonitoringSpec monitoring) {
        this.monitoring = monitoring;
    }
}
