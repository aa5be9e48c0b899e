package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.MonitoringSpec;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the Prometheus Operator's CRD is installed, each resource gets a ServiceMonitor it owns. */
class ServiceMonitorIT {

    @Test
    void shouldCreateAnOwnedServiceMonitorWhereTheCrdExists() throws Exception {
        try (MockCluster k8s = MockCluster.withoutOperator("31")) {
            k8s.installServiceMonitorCrd();
            k8s.startOperator(new FakeLeaseStatus(), Duration.ofSeconds(5));
            SchedulerDeployment sd = TestResources.postgres("billing");
            MonitoringSpec monitoring = new MonitoringSpec();
            monitoring.setServiceMonitorLabels(Map.of("release", "kube-prometheus-stack"));
            sd.getSpec().setMonitoring(monitoring);
            k8s.create(sd);

            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> monitor(k8s) != null);

            GenericKubernetesResource monitor = monitor(k8s);
            assertThat(monitor.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(ref -> assertThat(ref.getName()).isEqualTo("billing"));
            assertThat(monitor.getAdditionalProperties().get("spec").toString()).contains("port=status");
            assertThat(monitor.getMetadata().getLabels()).as("what kube-prometheus-stack selects by")
                    .containsEntry("release", "kube-prometheus-stack");
        }
    }

    private static GenericKubernetesResource monitor(MockCluster k8s) {
        return k8s.client.genericKubernetesResources("monitoring.coreos.com/v1", "ServiceMonitor")
                .inNamespace(MockCluster.NAMESPACE).withName("billing").get();
    }
}
