package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.Map;

/** Prometheus Operator integration. */
public class MonitoringSpec {

    @JsonPropertyDescription("Create a ServiceMonitor for the sidecars' /metrics. Only takes effect where the"
            + " monitoring.coreos.com CRDs are installed. Default: true.")
    @Default("true")
    private Boolean serviceMonitor;

    @JsonPropertyDescription("Labels of the ServiceMonitor, on top of the operator's defaults"
            + " (--service-monitor-labels, the chart's sidecarServiceMonitor.labels). A Prometheus selects"
            + " ServiceMonitors by label: kube-prometheus-stack by release: <its release name>.")
    private Map<String, String> serviceMonitorLabels;

    public Map<String, String> getServiceMonitorLabels() {
        return serviceMonitorLabels;
    }

    public void setServiceMonitorLabels(Map<String, String> serviceMonitorLabels) {
        this.serviceMonitorLabels = serviceMonitorLabels;
    }

    public Boolean getServiceMonitor() {
        return serviceMonitor;
    }

    public void setServiceMonitor(Boolean serviceMonitor) {
        this.serviceMonitor = serviceMonitor;
    }
}
