package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.ResourceRequirements;

/** The injected sidecar container; {@code ports} defaults to {@code {}}, so that its defaults show. */
@SchemaCustomizer(value = SchemaPatch.class,
        input = "{\"properties\":{\"ports\":{\"default\":{}}}}")
public class SidecarSpec {

    @JsonPropertyDescription("Sidecar image. Default: the operator's --sidecar-image.")
    private String image;

    @JsonPropertyDescription("CPU and memory of the sidecar. Default: requests 50m CPU and 128Mi memory,"
            + " limit 256Mi memory.")
    @SchemaFrom(type = ResourcesSchema.class)
    private ResourceRequirements resources;

    @JsonPropertyDescription("Ports of the sidecar's two HTTP servers.")
    private SidecarPorts ports;

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public SidecarPorts getPorts() {
        return ports;
    }

    public void setPorts(SidecarPorts ports) {
        this.ports = ports;
    }
}
