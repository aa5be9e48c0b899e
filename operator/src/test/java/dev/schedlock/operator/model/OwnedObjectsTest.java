package dev.schedlock.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.MonitoringSpec;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.VolumeClaimSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnedObjectsTest {

    private static final ModelContext WITH_PROMETHEUS_OPERATOR = new ModelContext("sidecar:1", true, true);
    private static final ModelContext WITHOUT_PROMETHEUS_OPERATOR = new ModelContext("sidecar:1", true, false);

    @Test
    void shouldCreateAReadWriteOnceClaimWithTheRequestedSizeAndClass() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        VolumeClaimSpec claim = new VolumeClaimSpec();
        claim.setSize("2Gi");
        claim.setStorageClassName("local-path");
        sd.getSpec().getStore().getSqlite().setVolumeClaim(claim);

        PersistentVolumeClaim pvc = DesiredState.of(sd, WITHOUT_PROMETHEUS_OPERATOR).leaseClaim().orElseThrow();

        assertThat(pvc.getMetadata().getName()).isEqualTo("billing-lease");
        assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("local-path");
        assertThat(pvc.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("2Gi");
    }

    @Test
    void shouldDefaultTheClaimToOneGibibyteOfTheDefaultClass() {
        PersistentVolumeClaim pvc = DesiredState.of(TestResources.sqlite("billing"), WITHOUT_PROMETHEUS_OPERATOR)
                .leaseClaim().orElseThrow();

        assertThat(pvc.getSpec().getStorageClassName()).isNull();
        assertThat(pvc.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("1Gi");
    }

    @Test
    void shouldExposeTheStatusPortThroughAHeadlessService() {
        Service service = OwnedObjects.statusService(TestResources.sqlite("billing"));

        assertThat(service.getMetadata().getName()).isEqualTo("billing-status");
        assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(service.getSpec().getSelector()).isEqualTo(Map.of("schedlock.dev/scheduler-deployment", "billing"));
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(8471);
            assertThat(p.getTargetPort().getStrVal()).isEqualTo("status");
        });
    }

    @Test
    void shouldLetOnlyOnePodBeEvictedAtATime() {
        PodDisruptionBudget pdb = OwnedObjects.disruptionBudget(TestResources.sqlite("billing"));

        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(pdb.getSpec().getSelector().getMatchLabels())
                .isEqualTo(Map.of("schedlock.dev/scheduler-deployment", "billing"));
    }

    @Test
    void shouldCreateAServiceMonitorOnlyWhereItsCrdExistsAndItIsWanted() {
        SchedulerDeployment sd = TestResources.postgres("billing");
        assertThat(DesiredState.of(sd, WITHOUT_PROMETHEUS_OPERATOR).serviceMonitor()).isEmpty();
        assertThat(DesiredState.of(sd, WITH_PROMETHEUS_OPERATOR).serviceMonitor()).hasValueSatisfying(sm -> {
            assertThat(sm.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
            assertThat(sm.getKind()).isEqualTo("ServiceMonitor");
            assertThat(sm.getAdditionalProperties().get("spec").toString())
                    .contains("port=status", "path=/metrics", "app.kubernetes.io/component=schedlock-status");
        });

        MonitoringSpec off = new MonitoringSpec();
        off.setServiceMonitor(false);
        sd.getSpec().setMonitoring(off);
        assertThat(DesiredState.of(sd, WITH_PROMETHEUS_OPERATOR).serviceMonitor()).isEmpty();
    }

    @Test
    void shouldLabelTheServiceMonitorForTheClustersPrometheusTheResourceWinningOverTheOperator() {
        SchedulerDeployment sd = TestResources.postgres("billing");
        MonitoringSpec monitoring = new MonitoringSpec();
        monitoring.setServiceMonitorLabels(Map.of("team", "payments", "release", "prom-payments",
                "app.kubernetes.io/managed-by", "someone-else"));
        sd.getSpec().setMonitoring(monitoring);
        ModelContext kubePrometheusStack = new ModelContext("img", true, true,
                Map.of("release", "kube-prometheus-stack", "tier", "platform"));

        GenericKubernetesResource monitor = DesiredState.of(sd, kubePrometheusStack).serviceMonitor().orElseThrow();

        assertThat(monitor.getMetadata().getLabels())
                .containsEntry("release", "prom-payments")
                .containsEntry("tier", "platform")
                .containsEntry("team", "payments")
                .as("the operator's informer selects on it").containsEntry("app.kubernetes.io/managed-by", "schedlock-operator");
        assertThat(DesiredState.of(TestResources.postgres("billing"), kubePrometheusStack).serviceMonitor().orElseThrow()
                .getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
    }

    @Test
    void shouldOwnAndLabelEveryObject() {
        DesiredState desired = DesiredState.of(TestResources.sqlite("billing"), WITH_PROMETHEUS_OPERATOR);

        assertThat(desired.all()).hasSize(5).allSatisfy((HasMetadata o) -> {
            assertThat(o.getMetadata().getNamespace()).isEqualTo("jobs");
            assertThat(o.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "schedlock-operator")
                    .containsEntry("schedlock.dev/scheduler-deployment", "billing");
            assertThat(o.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(ref -> assertThat(ref.getName()).isEqualTo("billing"));
        });
        assertThat(desired.all().get(0)).as("the claim comes before the pods that mount it")
                .isInstanceOf(PersistentVolumeClaim.class);
    }
}
