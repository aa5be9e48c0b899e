package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A scheduler app run as several pods of which exactly one may schedule at a time: the operator
 * injects the schedlock sidecar, wires the lease store and reports which pod leads.
 *
 * <p>This class and the classes of its fields are the source of truth for the CRD in {@code crds/}.
 */
@Group(SchedulerDeployment.GROUP)
@Version(SchedulerDeployment.VERSION)
@ShortNames({"sd", "schedd"})
@Categories("schedlock")
@SchemaCustomizer(value = SchemaPatch.class, input = "{\"description\":\""
        + SchedulerDeployment.DESCRIPTION + "\"}")
// The generator orders columns by JSONPath: Age, Replicas, Message (-o wide), Status, Token, Leader, Ready.
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".spec.replicas", type = Type.INTEGER,
        getDescription = "Pods asked for; one leads, the others stand by")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyReplicas", type = Type.INTEGER,
        getDescription = "Pods ready (standbys are ready too)")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
        getDescription = "Reason of the Ready condition: AllPodsReady, PodsNotReady, LockChanging, InvalidSpec, …")
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.conditions[?(@.type==\"Ready\")].message",
        priority = 1, getDescription = "Message of the Ready condition: what to fix, or what the operator waits for")
@AdditionalPrinterColumn(name = "Token", jsonPath = ".status.leader.fencingToken", type = Type.INTEGER,
        getDescription = "Fencing token of the current lease")
@AdditionalPrinterColumn(name = "Leader", jsonPath = ".status.leader.pod",
        getDescription = "Pod that holds the lease")
public class SchedulerDeployment extends CustomResource<SchedulerDeploymentSpec, SchedulerDeploymentStatus>
        implements Namespaced {

    public static final String GROUP = "schedlock.dev";
    public static final String VERSION = "v1alpha1";
    /** The CRD's description of the whole object ({@code kubectl explain sd}). */
    static final String DESCRIPTION = "A scheduler app run as several pods of which exactly one may schedule at a"
            + " time. The operator injects the schedlock sidecar into the pod template, wires the lease store"
            + " (SQLite or PostgreSQL) and reports which pod leads. Scale it like a Deployment"
            + " (kubectl scale sd NAME --replicas=N); 0 pauses the scheduler.";
    private static final long serialVersionUID = 1L;

    // Overridden only to give the CRD schema a description of spec and status.
    @Override
    @JsonPropertyDescription("The scheduler app's pod template and replica count, the lease timing and the store.")
    public SchedulerDeploymentSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("Conditions, the current leader and pod counts, as observed by the operator.")
    public SchedulerDeploymentStatus getStatus() {
        return super.getStatus();
    }
}
