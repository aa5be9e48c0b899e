package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** The PersistentVolumeClaim the operator creates for a SQLite store. */
public class VolumeClaimSpec {

    @JsonPropertyDescription("Requested storage, as a Kubernetes quantity. The lease file stays small;"
            + " its history table grows with the retention. Default: 1Gi.")
    @Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$")
    @Default("1Gi")
    private String size;

    @JsonPropertyDescription("StorageClass of the claim. Must be a local or block class, never NFS/SMB:"
            + " SQLite locking is unsafe over network file systems. Default: the cluster's default class.")
    private String storageClassName;

    public String getSize() {
        return size;
    }

    public void setSize(String size) {
        this.size = size;
    }

    public String getStorageClassName() {
        return storageClassName;
    }

    public void setStorageClassName(String storageClassName) {
        this.storageClassName = storageClassName;
    }
}
