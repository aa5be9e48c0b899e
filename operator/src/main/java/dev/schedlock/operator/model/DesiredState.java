package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.MonitoringSpec;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything the operator keeps in the cluster for one valid SchedulerDeployment. A pure function of
 * the resource and the {@link ModelContext}: no cluster access.
 */
public record DesiredState(
        Deployment deployment,
        Service statusService,
        PodDisruptionBudget disruptionBudget,
        Optional<PersistentVolumeClaim> leaseClaim,
        Optional<GenericKubernetesResource> serviceMonitor) {

    /**
     * Builds the desired objects for a resource all of whose pods run its lock; call only when
     * {@link SpecValidator#validate} found no problem.
     */
    public static DesiredState of(SchedulerDeployment sd, ModelContext context) {
        return of(sd, context, RolloutPlan.rollingUpdate());
    }

    /** Builds the desired objects, the Deployment as {@code plan} says. */
    public static DesiredState of(SchedulerDeployment sd, ModelContext context, RolloutPlan plan) {
        boolean monitorWanted = Optional.ofNullable(sd.getSpec().getMonitoring())
                .map(MonitoringSpec::getServiceMonitor).orElse(true);
        return new DesiredState(
                DeploymentModel.build(sd, context, plan),
                OwnedObjects.statusService(sd),
                OwnedObjects.disruptionBudget(sd),
                StoreWiring.of(sd).claim(),
                monitorWanted && context.serviceMonitorsExist()
                        ? Optional.of(OwnedObjects.serviceMonitor(sd, context.serviceMonitorLabels())) : Optional.empty());
    }

    /** In the order they are applied: the claim before the pods that mount it. */
    public List<HasMetadata> all() {
        List<HasMetadata> all = new ArrayList<>();
        leaseClaim.ifPresent(all::add);
        all.add(statusService);
        all.add(disruptionBudget);
        all.add(deployment);
        serviceMonitor.ifPresent(all::add);
        return all;
    }
}
