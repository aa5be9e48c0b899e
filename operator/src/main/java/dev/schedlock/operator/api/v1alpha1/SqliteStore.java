package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The lease in a SQLite file on a PersistentVolumeClaim that the operator creates or that exists. */
@ValidationRule(value = "!(has(self.volumeClaim) && has(self.existingClaim))",
        message = "set at most one of sqlite.volumeClaim and sqlite.existingClaim",
        reason = "FieldValueInvalid")
public class SqliteStore {

    @JsonPropertyDescription("The claim the operator creates (ReadWriteOnce). Used when existingClaim is not"
            + " set; its defaults apply when both are left out.")
    private VolumeClaimSpec volumeClaim;

    @JsonPropertyDescription("Name of an existing PersistentVolumeClaim in this namespace to keep the"
            + " lease file on. The operator neither creates nor deletes it.")
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    @Size(max = 253)
    private String existingClaim;

    @JsonPropertyDescription("Path of the SQLite file inside the volume, relative, without '..'."
            + " Default: lease.db.")
    @Pattern("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
    @Size(max = 255)
    @ValidationRule(value = "!self.split('/').exists(s, s == '..')",
            message = "sqlite.path must stay inside the volume: remove '..'")
    @Default("lease.db")
    private String path;

    public VolumeClaimSpec getVolumeClaim() {
        return volumeClaim;
    }

    public void setVolumeClaim(VolumeClaimSpec volumeClaim) {
        this.volumeClaim = volumeClaim;
    }

    public String getExistingClaim() {
        return existingClaim;
    }

    public void setExistingClaim(String existingClaim) {
        this.existingClaim = existingClaim;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }
}
