package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** The lease in a PostgreSQL database; the password comes from a Secret, mounted as a file. */
public class PostgresStore {

    @JsonPropertyDescription("JDBC URL of the database, e.g. jdbc:postgresql://db.example:5432/app."
            + " Put no password in it: use passwordSecretRef.")
    @Required
    @Pattern("^jdbc:postgresql://.+")
    private String url;

    @JsonPropertyDescription("Database user.")
    private String user;

    @JsonPropertyDescription("Secret key holding the database password. It is mounted into the sidecar"
            + " as a file, never put into an env var.")
    private SecretKeyRef passwordSecretRef;

    @JsonPropertyDescription("Schema for schedlock's tables; created if missing. Default: schedlock.")
    @Pattern("^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    @Default("schedlock")
    private String schema;

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getUser() {
        return user;
    }

    public void setUser(String user) {
        this.user = user;
    }

    public SecretKeyRef getPasswordSecretRef() {
        return passwordSecretRef;
    }

    public void setPasswordSecretRef(SecretKeyRef passwordSecretRef) {
        this.passwordSecretRef = passwordSecretRef;
    }

    public String getSchema() {
        return schema;
    }

    public void setSchema(String schema) {
        this.schema = schema;
    }
}
