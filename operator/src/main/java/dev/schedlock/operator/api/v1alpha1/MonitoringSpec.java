package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Prometheus Operator integration. */
public class MonitoringSpec {

    @JsonPropertyDescription("Create a ServiceMonitor for the sidecars' /metrics. Only takes effect where the"
            + " monitoring.coreos.com CRDs are installed. Default: true.")
    @Default("true")
    private Boolean serviceMonitor;

    public Boolean getServiceMonitor() {
        return serviceMonitor;
    }

    public void setServiceMonitor(Boolean serviceMonitor) {
        this.serviceMonitor = serviceMonitor;
    }
}
