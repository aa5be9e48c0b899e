package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.images.Podman;
import dev.schedlock.operator.TestResources;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator image as built from {@code operator/Dockerfile}, against Fabric8's mock API server
 * in this JVM (reached over the host's network): it starts as non-root on a read-only root,
 * answers its probes, takes its Lease and reconciles, so the jlink runtime has every module the
 * operator needs. Prints what it costs (start to ready, RSS).
 */
class OperatorImageIT {

    private final HttpClient http = HttpClient.newHttpClient();
    private Podman podman;
    private MockCluster k8s;

    @AfterEach
    void stop() throws Exception {
        if (podman != null) {
            podman.close();
        }
        if (k8s != null) {
            k8s.close();
        }
    }

    @Test
    void shouldStartAnswerItsProbesTakeItsLeaseAndReconcile() throws Exception {
        podman = Podman.onPath();
        String image = podman.image("operator");
        k8s = MockCluster.withoutOperator("31");
        int port = OperatorProcessIT.freePort();
        long startNanos = System.nanoTime();
        String operator = podman.start("schedlock-operator-image-" + port,
                "--read-only", "--tmpfs", "/tmp", "--network", "host",
                "-e", "KUBERNETES_MASTER=" + k8s.url(),
                "-e", "KUBERNETES_AUTH_TRYKUBECONFIG=false",
                "-e", "KUBERNETES_AUTH_TRYSERVICEACCOUNT=false",
                "-e", "KUBERNETES_NAMESPACE=" + MockCluster.NAMESPACE,
                "-e", "HOSTNAME=operator-image", // JOSDK's leader election identity
                image,
                "--namespaces=" + MockCluster.NAMESPACE,
                "--health-address=127.0.0.1:" + port,
                "--leader-election-namespace=" + MockCluster.NAMESPACE,
                "--leader-poll-interval=1s");

        await("readyz").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> get(port, "/readyz").statusCode() == 200);
        double startToReady = (System.nanoTime() - startNanos) / 1e9;
        assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
        assertThat(podman.inspect(operator, "{{.Config.User}}")).isEqualTo("65532:65532");
        assertThat(Podman.procStatus(podman.pid(operator), "Uid")).isEqualTo("65532\t65532\t65532\t65532");

        await("the operator's Lease").atMost(Duration.ofSeconds(60)).until(() -> "operator-image".equals(leaseHolder()));
        k8s.create(TestResources.postgres("billing"));
        await("the Deployment").atMost(Duration.ofSeconds(30)).until(() -> k8s.deployment("billing") != null);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(port, "/metrics").body())
                .contains("operator_sdk_reconciliations_started_total"));

        long rssKb = Long.parseLong(Podman.procStatus(podman.pid(operator), "VmRSS").replace(" kB", ""));
        System.out.printf(Locale.ROOT, "operator image footprint: podman run -> ready %.2f s, RSS %.1f MiB after"
                + " one reconcile%n", startToReady, rssKb / 1024.0);
    }

    private String leaseHolder() {
        Lease lease = k8s.client.leases().inNamespace(MockCluster.NAMESPACE).withName("schedlock-operator").get();
        return lease != null ? lease.getSpec().getHolderIdentity() : null;
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
