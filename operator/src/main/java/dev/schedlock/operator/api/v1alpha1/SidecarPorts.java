package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** Ports of the control API (loopback, for the app) and the status server (pod IP, for probes and metrics). */
@ValidationRule(value = "self.control != self.status",
        message = "sidecar.ports.control and sidecar.ports.status must differ", reason = "FieldValueInvalid")
public class SidecarPorts {

    @JsonPropertyDescription("Control API port on 127.0.0.1; the app reaches it at SCHEDLOCK_URL."
            + " Default: 8470.")
    @Min(1)
    @Max(65535)
    @Default("8470")
    private Integer control;

    @JsonPropertyDescription("Status server port on the pod IP: /healthz, /readyz, /metrics and the"
            + " read-only lease the operator polls. Default: 8471.")
    @Min(1)
    @Max(65535)
    @Default("8471")
    private Integer status;

    public Integer getControl() {
        return control;
    }

    public void setControl(Integer control) {
        this.control = control;
    }

    public Integer getStatus() {
        return status;
    }

    public void setStatus(Integer status) {
        this.status = status;
    }
}
