package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.Test;

/** Where the mock API server was made to behave as the real one does (see {@link UnprocessablePatches}). */
class MockClusterIT {

    @Test
    void shouldAnswerAJsonPatchThatCannotBeAppliedWith422LikeTheApiServer() throws Exception {
        try (MockCluster k8s = MockCluster.withoutOperator("31")) {
            k8s.client.configMaps().inNamespace(MockCluster.NAMESPACE).resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("c").endMetadata().addToData("a", "1").build()).create();

            KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class, () -> k8s.client
                    .configMaps().inNamespace(MockCluster.NAMESPACE).withName("c")
                    .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"replace\",\"path\":\"/data/b\",\"value\":\"2\"}]"));

            assertThat(e).as("a patch of a field the object lacks").isNotNull();
            assertThat(e.getCode()).as(e.toString()).isEqualTo(422);
            assertThat(k8s.client.configMaps().inNamespace(MockCluster.NAMESPACE).withName("c").get().getData())
                    .as("the server still answers, and the object is unchanged").containsExactly(
                            java.util.Map.entry("a", "1"));
        }
    }
}
