package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.operator.TestResources;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The packaged operator as a process: flags, probes, metrics, leader election, reconciling. */
class OperatorProcessIT {

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> operators = new ArrayList<>();
    private MockCluster k8s;

    @AfterEach
    void stop() throws InterruptedException {
        for (Process operator : operators) {
            stop(operator);
        }
        if (k8s != null) {
            k8s.close();
        }
    }

    @Test
    void shouldBecomeReadyElectItselfReconcileAndExportMetrics() throws Exception {
        k8s = MockCluster.withoutOperator("31");
        int port = freePort();
        start(port, "operator-a");

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> get(port, "/readyz").statusCode() == 200);
        assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);

        k8s.create(TestResources.postgres("billing"));
        await().atMost(Duration.ofSeconds(30)).until(() -> k8s.deployment("billing") != null);

        Lease lease = k8s.client.leases().inNamespace(MockCluster.NAMESPACE).withName("schedlock-operator").get();
        assertThat(lease).as("the operator's leader election Lease").isNotNull();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("operator-a");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(port, "/metrics").body())
                .contains("operator_sdk_reconciliations_started_total")
                .contains("schedulerdeployment")
                // The alerts' series (SchedlockNotReady, SchedlockOperatorReconcileFailing).
                .containsPattern(OperatorMetrics.CONDITION
                        + "\\{condition=\"Ready\",namespace=\"jobs\",reason=\"\\w+\",schedulerdeployment=\"billing\"} 0.0")
                .contains(OperatorMetrics.RECONCILE_FAILURES + " 0.0"));
    }

    @Test
    void shouldHandOverToTheSecondReplicaWhenTheActiveOneStops() throws Exception {
        k8s = MockCluster.withoutOperator("31");
        int portA = freePort();
        int portB = freePort();
        Process a = start(portA, "operator-a");
        await().atMost(Duration.ofSeconds(60)).until(() -> "operator-a".equals(leaseHolder()));
        start(portB, "operator-b");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> get(portB, "/readyz").statusCode() == 200);
        assertThat(leaseHolder()).as("the standby replica does not take the lease").isEqualTo("operator-a");

        stop(a);
        k8s.create(TestResources.postgres("billing"));

        await().atMost(Duration.ofSeconds(60)).until(() -> "operator-b".equals(leaseHolder()));
        await().atMost(Duration.ofSeconds(30)).until(() -> k8s.deployment("billing") != null);
    }

    @Test
    void shouldExitWhenAnotherReplicaTakesTheLease() throws Exception {
        k8s = MockCluster.withoutOperator("31");
        Process a = start(freePort(), "operator-a");
        await().atMost(Duration.ofSeconds(60)).until(() -> "operator-a".equals(leaseHolder()));

        // As if a partitioned replica's lease had expired and another one had taken it.
        k8s.client.leases().inNamespace(MockCluster.NAMESPACE).withName("schedlock-operator").edit(lease -> {
            lease.getSpec().setHolderIdentity("operator-z");
            lease.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
            lease.getSpec().setLeaseDurationSeconds(3600);
            return lease;
        });

        assertThat(a.waitFor(60, TimeUnit.SECONDS)).as("the replica that lost the Lease exits").isTrue();
        assertThat(a.exitValue()).isEqualTo(1);
    }

    private String leaseHolder() {
        Lease lease = k8s.client.leases().inNamespace(MockCluster.NAMESPACE).withName("schedlock-operator").get();
        return lease != null ? lease.getSpec().getHolderIdentity() : null;
    }

    private static void stop(Process operator) throws InterruptedException {
        operator.destroy(); // SIGTERM: the shutdown hook stops the operator
        if (!operator.waitFor(20, TimeUnit.SECONDS)) {
            operator.destroyForcibly();
        }
    }

    private Process start(int healthPort, String identity) throws IOException {
        Path jar = Path.of(System.getProperty("schedlock.operator.jar", "target/schedlock-operator.jar"));
        assertThat(jar).as("the shaded operator jar (built in the package phase)").exists();
        Path log = Files.createDirectories(Path.of("target", "operator-process")).resolve(identity + ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar.toString(),
                "--namespaces=" + MockCluster.NAMESPACE,
                "--health-address=127.0.0.1:" + healthPort,
                "--leader-election-namespace=" + MockCluster.NAMESPACE,
                "--leader-poll-interval=1s"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("KUBERNETES_MASTER", k8s.url());
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.put("KUBERNETES_NAMESPACE", MockCluster.NAMESPACE);
        env.put("HOSTNAME", identity); // JOSDK's leader election identity
        Process process = pb.start();
        operators.add(process);
        return process;
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
