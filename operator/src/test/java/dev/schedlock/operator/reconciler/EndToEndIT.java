package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.Condition;
import dev.schedlock.operator.api.v1alpha1.LeaderStatus;
import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.model.Labels;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator, in this JVM, against the mock API server, tracking REAL sidecar processes that a
 * {@link PodSimulator} starts from the Deployment the operator wrote. SQLite store, short lease.
 */
class EndToEndIT {

    private static final String NAME = "billing";

    @TempDir
    Path work;

    private MockCluster k8s;
    private PodSimulator pods;

    @BeforeEach
    void start() throws Exception {
        Path jar = Path.of(System.getProperty("schedlock.sidecar.jar", "../sidecar/target/schedlock-sidecar.jar"));
        assertThat(jar).as("the sidecar jar: build it first with ./mvnw -pl sidecar package -DskipTests").exists();
        k8s = new MockCluster(new HttpLeaseStatusClient(Duration.ofSeconds(1)), Duration.ofMillis(300), "31");
        pods = new PodSimulator(k8s.client, MockCluster.NAMESPACE, NAME, jar, work);
    }

    @AfterEach
    void stop() {
        pods.close();
        k8s.close();
    }

    @Test
    void shouldReportTheRealLeaderFollowItWhenKilledAndCleanUpOnDelete() throws Exception {
        SchedulerDeployment sd = TestResources.sqlite(NAME);
        LeaseSpec lease = new LeaseSpec();
        lease.setTtl("3s");
        lease.setHeartbeatInterval("1s");
        lease.setRetryInterval("500ms");
        lease.setPermitTtl("1s");
        sd.getSpec().setLease(lease);
        k8s.create(sd);
        await().atMost(Duration.ofSeconds(20)).until(() -> k8s.deployment(NAME) != null);

        // 1. Two real sidecars: one leads, the status, the labels and the signal file say which.
        LeaderStatus first = awaitLeader(null);
        assertThat(pods.pods()).extracting(PodSimulator.SimPod::name).contains(first.getPod());
        assertThat(first.getFencingToken()).isPositive();
        assertThat(first.getHolderId()).startsWith(first.getPod() + "/");
        syncing().untilAsserted(() -> {
            assertThat(roles()).containsEntry(first.getPod(), "leader").containsValue("standby").hasSize(2);
            assertThat(condition(Conditions.READY).getStatus()).isEqualTo("True");
        });
        Path signalFile = pods.pods().stream().filter(p -> p.name().equals(first.getPod())).findFirst().orElseThrow()
                .dir().resolve("volumes/schedlock-run/lease.json");
        assertThat(Files.readString(signalFile)).contains("\"leader\":true");

        // 2. kill -9 the leader: another pod (the standby or the replacement) takes over after the TTL,
        //    with a higher token.
        pods.kill(first.getPod());
        LeaderStatus second = awaitLeader(first.getPod());
        assertThat(second.getFencingToken()).isGreaterThan(first.getFencingToken());
        syncing().untilAsserted(() -> assertThat(roles()).containsEntry(second.getPod(), "leader").hasSize(2));
        assertThat(k8s.client.v1().events().inNamespace(MockCluster.NAMESPACE).list().getItems())
                .extracting(Event::getReason).contains(LeaderEvents.REASON_ELECTED).hasSizeGreaterThanOrEqualTo(2);

        // 3. Delete the resource: the owned objects go (garbage collector stand-in), then the pods.
        k8s.client.resource(k8s.get(NAME)).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> k8s.get(NAME) == null);
        k8s.collectGarbage();
        pods.sync();
        assertThat(k8s.ownedObjects()).isEmpty();
        assertThat(pods.anyAlive()).isFalse();
        assertThat(k8s.client.pods().inNamespace(MockCluster.NAMESPACE).list().getItems()).isEmpty();
    }

    /** Waits, playing the controllers, until a pod other than {@code previous} leads. */
    private LeaderStatus awaitLeader(String previous) {
        syncing().until(() -> {
            LeaderStatus leader = leader();
            return leader != null && !leader.getPod().equals(previous);
        });
        return leader();
    }

    /** An await that runs the controllers' pass before each check. */
    private ConditionFactory syncing() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .pollInSameThread()
                .conditionEvaluationListener(c -> sync());
    }

    private void sync() {
        try {
            pods.sync();
        } catch (Exception e) {
            throw new AssertionError("simulator pass failed", e);
        }
    }

    private LeaderStatus leader() {
        SchedulerDeployment sd = k8s.get(NAME);
        return sd != null && sd.getStatus() != null ? sd.getStatus().getLeader() : null;
    }

    private Condition condition(String type) {
        return Conditions.find(k8s.get(NAME).getStatus().getConditions(), type);
    }

    private Map<String, String> roles() {
        return k8s.client.pods().inNamespace(MockCluster.NAMESPACE).list().getItems().stream()
                .filter(p -> p.getMetadata().getLabels().containsKey(Labels.ROLE))
                .collect(Collectors.toMap((Pod p) -> p.getMetadata().getName(),
                        p -> p.getMetadata().getLabels().get(Labels.ROLE)));
    }
}
