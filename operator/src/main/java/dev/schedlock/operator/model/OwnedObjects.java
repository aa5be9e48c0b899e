package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.MonitoringSpec;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The small objects beside the Deployment: status Service, PodDisruptionBudget, ServiceMonitor. */
public final class OwnedObjects {

    public static final String SERVICE_MONITOR_API_VERSION = "monitoring.coreos.com/v1";
    public static final String SERVICE_MONITOR_KIND = "ServiceMonitor";
    /** Tells the status Service apart from Services the user's template may select with the same labels. */
    static final String COMPONENT = "app.kubernetes.io/component";
    static final String STATUS_COMPONENT = "schedlock-status";

    private OwnedObjects() {
    }

    /**
     * Headless Service for the sidecars' status port: Prometheus scrapes each pod through it, and
     * headless needs no cluster IP that an update could collide with.
     */
    public static Service statusService(SchedulerDeployment sd) {
        Service service = new ServiceBuilder()
                .withMetadata(Labels.ownedMeta(sd, Names.statusService(sd)))
                .withNewSpec()
                .withClusterIP("None")
                .withSelector(Labels.selector(sd))
                .addNewPort()
                .withName(SidecarContainer.STATUS_PORT_NAME)
                .withPort(SidecarContainer.statusPort(sd))
                .withTargetPort(new IntOrString(SidecarContainer.STATUS_PORT_NAME))
                .withProtocol("TCP")
                .endPort()
                .endSpec()
                .build();
        service.getMetadata().getLabels().put(COMPONENT, STATUS_COMPONENT);
        return service;
    }

    /** One pod at a time may be evicted: a drain never takes the leader and every standby at once. */
    public static PodDisruptionBudget disruptionBudget(SchedulerDeployment sd) {
        return new PodDisruptionBudgetBuilder()
                .withMetadata(Labels.ownedMeta(sd, Names.disruptionBudget(sd)))
                .withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(Labels.selector(sd)).endSelector()
                .endSpec()
                .build();
    }

    /**
     * A Prometheus Operator ServiceMonitor, as a generic resource: its CRD may not be installed. Its
     * labels are what a Prometheus selects ServiceMonitors by ({@code release: <name>} for
     * kube-prometheus-stack): the operator's defaults, then {@code spec.monitoring.serviceMonitorLabels},
     * then the operator's own labels, which its informer needs.
     */
    public static GenericKubernetesResource serviceMonitor(SchedulerDeployment sd, Map<String, String> defaultLabels) {
        Map<String, String> matchLabels = new LinkedHashMap<>(Labels.selector(sd));
        matchLabels.put(COMPONENT, STATUS_COMPONENT);
        ObjectMeta meta = Labels.ownedMeta(sd, Names.serviceMonitor(sd));
        Map<String, String> labels = new LinkedHashMap<>(defaultLabels);
        Optional.ofNullable(sd.getSpec().getMonitoring()).map(MonitoringSpec::getServiceMonitorLabels)
                .ifPresent(labels::putAll);
        labels.putAll(meta.getLabels());
        meta.setLabels(labels);
        return new GenericKubernetesResourceBuilder()
                .withApiVersion(SERVICE_MONITOR_API_VERSION)
                .withKind(SERVICE_MONITOR_KIND)
                .withMetadata(meta)
                .addToAdditionalProperties("spec", Map.of(
                        "selector", Map.of("matchLabels", matchLabels),
                        "endpoints", List.of(Map.of(
                                "port", SidecarContainer.STATUS_PORT_NAME,
                                "path", "/metrics"))))
                .build();
    }
}
