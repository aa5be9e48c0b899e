package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

/** One key of a Secret in the resource's namespace. */
public class SecretKeyRef {

    @JsonPropertyDescription("Name of the Secret, in the same namespace.")
    @Required
    private String name;

    @JsonPropertyDescription("Key in the Secret. Default: password.")
    @Default("password")
    private String key;

    public SecretKeyRef() {
    }

    public SecretKeyRef(String name, String key) {
        this.name = name;
        this.key = key;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }
}
