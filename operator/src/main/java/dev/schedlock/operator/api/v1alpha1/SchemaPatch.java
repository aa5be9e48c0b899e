package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.crdv2.generator.v1.SchemaCustomizer;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Iterator;
import java.util.Map;

/**
 * For the CRD generator only (build time): adds to a generated schema what no generator annotation
 * says (an object's {@code default: {}}, {@code x-kubernetes-list-type}, an enum of a string,
 * {@code format: date-time}). The input is a JSON merge patch (RFC 7386) applied in depth, so that
 * {@code {"properties":{"lease":{"default":{}}}}} adds to the generated {@code lease} instead of
 * replacing every property, as the generator's own merge-patch customizer would.
 */
public final class SchemaPatch implements SchemaCustomizer.Customizer {

    @Override
    public JSONSchemaProps apply(JSONSchemaProps schema, String patch, KubernetesSerialization serialization) {
        JsonNode target = serialization.convertValue(schema, JsonNode.class);
        JsonNode merged = merge(target, serialization.unmarshal(patch, JsonNode.class));
        return serialization.convertValue(merged, JSONSchemaProps.class);
    }

    private static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!(patch instanceof ObjectNode patchObject) || !(target instanceof ObjectNode targetObject)) {
            return patch;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patchObject.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getValue().isNull()) {
                targetObject.remove(field.getKey());
            } else {
                JsonNode existing = targetObject.get(field.getKey());
                targetObject.set(field.getKey(), existing == null || !field.getValue().isObject()
                        || field.getValue().isEmpty() ? field.getValue() : merge(existing, field.getValue()));
            }
        }
        return targetObject;
    }
}
