package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.operator.TestResources;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** On an API server older than 1.29 the sidecar is a plain container and is not told it is native. */
class OldClusterIT {

    @Test
    void shouldInjectAPlainSidecarContainerIntoKubernetes128() throws Exception {
        try (MockCluster k8s = new MockCluster(new FakeLeaseStatus(), Duration.ofSeconds(5), "28")) {
            k8s.create(TestResources.postgres("billing"));

            await().atMost(Duration.ofSeconds(20)).until(() -> k8s.deployment("billing") != null);

            PodSpec pod = k8s.deployment("billing").getSpec().getTemplate().getSpec();
            assertThat(pod.getInitContainers()).isEmpty();
            assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("app", "schedlock");
            assertThat(pod.getContainers().get(1).getArgs()).doesNotContain("--native-sidecar");
        }
    }
}
