package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.Map;

/**
 * CRD schema of {@code spec.sidecar.resources}: Kubernetes' ResourceRequirements, limited to what a
 * sidecar needs and with descriptions (the Fabric8 model class has none). Never instantiated.
 */
final class ResourcesSchema {

    @JsonPropertyDescription("Minimum resources the sidecar needs, e.g. {cpu: 50m, memory: 128Mi}.")
    public Map<String, IntOrString> requests;

    @JsonPropertyDescription("Maximum resources the sidecar may use, e.g. {memory: 256Mi}.")
    public Map<String, IntOrString> limits;

    private ResourcesSchema() {
    }
}
