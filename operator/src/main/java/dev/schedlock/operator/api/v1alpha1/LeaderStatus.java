package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The current lease holder as reported by its sidecar's read-only status endpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LeaderStatus {

    @JsonPropertyDescription("Name of the pod that holds the lease.")
    private String pod;

    @JsonPropertyDescription("Holder id written in the lease row (pod name, pod UID and a per-process nonce).")
    private String holderId;

    @JsonPropertyDescription("Fencing token of the current lease; it rises with every acquisition.")
    private Long fencingToken;

    @JsonPropertyDescription("When the operator first saw this holder and token (RFC 3339).")
    private String since;

    public LeaderStatus() {
    }

    public LeaderStatus(String pod, String holderId, Long fencingToken, String since) {
        this.pod = pod;
        this.holderId = holderId;
        this.fencingToken = fencingToken;
        this.since = since;
    }

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public String getHolderId() {
        return holderId;
    }

    public void setHolderId(String holderId) {
        this.holderId = holderId;
    }

    public Long getFencingToken() {
        return fencingToken;
    }

    public void setFencingToken(Long fencingToken) {
        this.fencingToken = fencingToken;
    }

    public String getSince() {
        return since;
    }

    public void setSince(String since) {
        this.since = since;
    }
}
