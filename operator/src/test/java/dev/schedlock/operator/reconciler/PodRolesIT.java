package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.model.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pod role labels against the mock API server: what is written, and with how many requests. */
class PodRolesIT {

    @Test
    void shouldLabelEachPodWithOnePatchAndNoRead() throws Exception {
        try (MockCluster k8s = MockCluster.withoutOperator("31")) {
            Pod leader = k8s.client.resource(pod("billing-0")).create();
            Pod standby = k8s.client.resource(pod("billing-1")).create();
            k8s.clearRecordedRequests();

            int written = new PodRoles(k8s.client).label(List.of(leader, standby), "billing-0");

            assertThat(written).isEqualTo(2);
            assertThat(k8s.recordedRequests()).as("one request per pod, from the informer's copy").containsExactly(
                    "PATCH /api/v1/namespaces/jobs/pods/billing-0",
                    "PATCH /api/v1/namespaces/jobs/pods/billing-1");
            assertThat(k8s.client.pods().inNamespace(MockCluster.NAMESPACE).withName("billing-0").get()
                    .getMetadata().getLabels())
                    .as("the other labels stay").containsEntry("app", "billing")
                    .containsEntry(Labels.ROLE, Labels.ROLE_LEADER);
            assertThat(k8s.client.pods().inNamespace(MockCluster.NAMESPACE).withName("billing-1").get()
                    .getMetadata().getLabels()).containsEntry(Labels.ROLE, Labels.ROLE_STANDBY);
        }
    }

    @Test
    void shouldWriteNothingWhenEveryLabelIsRight() throws Exception {
        try (MockCluster k8s = MockCluster.withoutOperator("31")) {
            Pod pod = k8s.client.resource(new PodBuilder(pod("billing-0")).editMetadata()
                    .addToLabels(Labels.ROLE, Labels.ROLE_LEADER).endMetadata().build()).create();
            k8s.clearRecordedRequests();

            assertThat(new PodRoles(k8s.client).label(List.of(pod), "billing-0")).isZero();
            assertThat(k8s.recordedRequests()).isEmpty();
        }
    }

    private static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(TestResources.NAMESPACE)
                .addToLabels("app", "billing").endMetadata()
                .withNewStatus().withPodIP("10.0.0.1").endStatus()
                .build();
    }
}
