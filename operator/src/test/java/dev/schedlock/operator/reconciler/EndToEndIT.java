package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.Condition;
import dev.schedlock.operator.api.v1alpha1.LeaderStatus;
import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.PostgresStore;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.SidecarSpec;
import dev.schedlock.operator.api.v1alpha1.StoreSpec;
import dev.schedlock.operator.model.Labels;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator, in this JVM, against the mock API server, tracking REAL sidecar processes that a
 * {@link PodSimulator} starts from the Deployment the operator wrote; both stores, short lease.
 */
class EndToEndIT {

    private static final String NAME = "billing";
    private static final String SCHEMA = "schedlock_operator_e2e";

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
        SchedulerDeployment sd = withShortLease(TestResources.sqlite(NAME));

        LeaderStatus first = runAndKillTheLeader(sd);

        // The sidecars write the signal file into the shared emptyDir, which the app reads.
        Path signalFile = work.resolve("pods").resolve(first.getPod()).resolve("volumes/schedlock-run/lease.json");
        assertThat(Files.readString(signalFile)).contains("\"fencingToken\":" + first.getFencingToken());

        // Delete the resource: the owned objects go (garbage collector stand-in), then the pods.
        k8s.client.resource(k8s.get(NAME)).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> k8s.get(NAME) == null);
        k8s.collectGarbage();
        assertThat(k8s.ownedObjects()).isEmpty();
        syncing().until(() -> !pods.anyAlive()
                && k8s.client.pods().inNamespace(MockCluster.NAMESPACE).list().getItems().isEmpty());
    }

    /**
     * PostgreSQL (the local server of .ci/run, trust auth): the password still travels from the Secret
     * through the mounted file, so a wrong wiring makes the sidecar fail at start.
     */
    @Test
    void shouldTrackTheLeaderOnPostgresWithThePasswordFromASecret() throws Exception {
        createPasswordSecret();
        SchedulerDeployment sd = withShortLease(TestResources.postgres(NAME));
        sd.getSpec().setStore(localPostgres(SCHEMA));
        sd.getSpec().getLease().setLockName("e2e-" + UUID.randomUUID()); // runs share the database

        LeaderStatus first = runAndKillTheLeader(sd);

        Path passwordFile = work.resolve("pods").resolve(first.getPod())
                .resolve("volumes/schedlock-store-password/password");
        assertThat(Files.readString(passwordFile)).isEqualTo("not-needed-with-trust-auth");
    }

    /**
     * The lock name, then the store (SQLite path, SQLite claim, SQLite to PostgreSQL, PostgreSQL
     * schema) change under a permit checker that asks every pod, old and new, as its main container
     * would: at no instant may two pods hold a permit, although each new lock is free the moment the
     * first pod on it starts. Each new lock must get its leader.
     */
    @Test
    void shouldNeverGiveTwoPodsAPermitWhileTheLockOrTheStoreChanges() throws Exception {
        createPasswordSecret();
        SchedulerDeployment sd = withShortLease(TestResources.sqlite(NAME));
        sd.getSpec().getLease().setLockName("e2e-a");
        String pgLock = "e2e-" + UUID.randomUUID(); // runs share the database

        try (PodPermitChecker checker = PodPermitChecker.watching(pods)) {
            k8s.create(sd);
            awaitRolloutWithLeader(null);
            edit("lock name", s -> s.getSpec().getLease().setLockName("e2e-b"));
            edit("SQLite path", s -> s.getSpec().getStore().getSqlite().setPath("other.db"));
            edit("SQLite claim", s -> s.getSpec().getStore().getSqlite().setExistingClaim("shared-lease"));
            edit("SQLite to PostgreSQL", s -> {
                s.getSpec().setStore(localPostgres(SCHEMA));
                s.getSpec().getLease().setLockName(pgLock);
            });
            edit("PostgreSQL schema", s -> s.getSpec().getStore().getPostgres().setSchema(SCHEMA + "_b"));
            checker.close();

            System.out.println("lock and store changes: " + checker.summary());
            assertThat(checker.overlaps()).as("permits of two pods at once").isEmpty();
            assertThat(checker.podsWithPermits()).as("a leader on every lock").hasSizeGreaterThanOrEqualTo(6);
            assertThat(k8s.deployment(NAME).getSpec().getStrategy().getType())
                    .as("back to rolling updates once every pod runs the new lock").isEqualTo("RollingUpdate");
        }
    }

    /**
     * Creates {@code sd}, lets two real sidecars elect a leader, checks status, labels and readiness,
     * then kills the leader with -9 and waits for another pod (the standby or the replacement) to take
     * over after the TTL with a higher token. Returns the first leader.
     */
    private LeaderStatus runAndKillTheLeader(SchedulerDeployment sd) throws Exception {
        k8s.create(sd);
        await().atMost(Duration.ofSeconds(20)).until(() -> k8s.deployment(NAME) != null);

        LeaderStatus first = awaitLeader(null);
        assertThat(pods.pods()).extracting(SimPod::name).contains(first.getPod());
        assertThat(first.getFencingToken()).isPositive();
        assertThat(first.getHolderId()).startsWith(first.getPod() + "/");
        syncing().untilAsserted(() -> {
            assertThat(roles()).containsEntry(first.getPod(), "leader").containsValue("standby").hasSize(2);
            assertThat(condition(Conditions.READY).getStatus()).isEqualTo("True");
        });

        pods.kill(first.getPod());
        LeaderStatus second = awaitLeader(first.getPod());
        assertThat(second.getFencingToken()).isGreaterThan(first.getFencingToken());
        syncing().untilAsserted(() -> assertThat(roles()).containsEntry(second.getPod(), "leader").hasSize(2));
        assertThat(k8s.client.v1().events().inNamespace(MockCluster.NAMESPACE).list().getItems())
                .extracting(Event::getReason).contains(ResourceEvents.REASON_ELECTED).hasSizeGreaterThanOrEqualTo(2);
        return first;
    }

    /**
     * The edits that replace pods on the same lock, under the same checker: a rolling update (one
     * surge pod at 2 replicas, old and new pods side by side) must keep one leader at a time, since
     * a new pod is a standby until the old leader lets go.
     */
    @Test
    void shouldKeepOneLeaderThroughRestartImageTemplateTimingAndScaleEdits() throws Exception {
        SchedulerDeployment sd = withShortLease(TestResources.sqlite(NAME));

        try (PodPermitChecker checker = PodPermitChecker.watching(pods)) {
            k8s.create(sd);
            awaitRolloutWithLeader(null);
            String before = templateOfDeployment();
            k8s.client.apps().deployments().inNamespace(MockCluster.NAMESPACE).withName(NAME).edit(d -> {
                d.getSpec().getTemplate().getMetadata().getAnnotations()
                        .put("kubectl.kubernetes.io/restartedAt", "2026-01-01T10:00:00Z");
                return d;
            });
            assertThat(templateOfDeployment()).isNotEqualTo(before);
            awaitRolloutWithLeader("kubectl rollout restart");
            edit("sidecar image", s -> {
                s.getSpec().setSidecar(new SidecarSpec());
                s.getSpec().getSidecar().setImage("ghcr.io/schedlock/sidecar:next");
            });
            assertThat(k8s.deployment(NAME).getSpec().getTemplate().getMetadata().getAnnotations())
                    .as("the restart's annotation survives the edit: no extra rollout")
                    .containsKey("kubectl.kubernetes.io/restartedAt");
            edit("app template", s -> s.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                    .add(new EnvVar("FEATURE", "on", null)));
            edit("lease timing", s -> {
                s.getSpec().getLease().setTtl("4s");
                s.getSpec().getLease().setPermitTtl("1500ms");
            });
            scale(0);
            syncing().until(() -> pods.pods().isEmpty());
            scale(2);
            awaitRolloutWithLeader("scale 0 to 2");
            checker.close();

            System.out.println("rolling edits: " + checker.summary() + ", at most " + pods.mostPodsAtOnce()
                    + " pods at once");
            assertThat(checker.overlaps()).as("permits of two pods at once").isEmpty();
            assertThat(checker.podsWithPermits()).as("the lease moved from pod to pod").hasSizeGreaterThanOrEqualTo(5);
            assertThat(pods.mostPodsAtOnce()).as("old and new pods side by side (a surge pod)").isEqualTo(3);
            assertThat(k8s.deployment(NAME).getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        }
    }

    private void scale(int replicas) {
        k8s.client.resources(SchedulerDeployment.class).inNamespace(MockCluster.NAMESPACE).withName(NAME)
                .edit(sd -> {
                    sd.getSpec().setReplicas(replicas);
                    sd.getMetadata().setGeneration(sd.getMetadata().getGeneration() + 1);
                    return sd;
                });
        syncing().until(() -> k8s.deployment(NAME).getSpec().getReplicas() == replicas);
    }

    /**
     * Edits the resource as {@code kubectl edit} would, then plays the controllers until the
     * operator has written a new pod template, every pod runs it and one of them leads.
     */
    private void edit(String what, Consumer<SchedulerDeployment> change) {
        String before = templateOfDeployment();
        k8s.client.resources(SchedulerDeployment.class).inNamespace(MockCluster.NAMESPACE).withName(NAME)
                .edit(sd -> {
                    change.accept(sd);
                    sd.getMetadata().setGeneration(sd.getMetadata().getGeneration() + 1);
                    return sd;
                });
        syncing().until(() -> !templateOfDeployment().equals(before));
        awaitRolloutWithLeader(what);
    }

    private String templateOfDeployment() {
        return k8s.client.getKubernetesSerialization().asJson(k8s.deployment(NAME).getSpec().getTemplate());
    }

    /** Plays the controllers until the rollout is complete and a pod of the current template leads. */
    private void awaitRolloutWithLeader(String after) {
        syncing().alias("rollout after " + (after != null ? after : "create")).until(() -> {
            LeaderStatus leader = leader();
            return pods.rolledOut() && leader != null
                    && pods.runningPods().stream().anyMatch(p -> p.name().equals(leader.getPod()));
        });
    }

    private void createPasswordSecret() {
        k8s.client.resource(new SecretBuilder().withNewMetadata().withName("db-credentials")
                .withNamespace(MockCluster.NAMESPACE).endMetadata()
                .addToData("pw", Base64.getEncoder().encodeToString("not-needed-with-trust-auth".getBytes(UTF_8)))
                .build()).create();
    }

    /** The local PostgreSQL of .ci/run (trust auth), with the password still wired from the Secret. */
    private static StoreSpec localPostgres(String schema) {
        StoreSpec store = TestResources.postgres(NAME).getSpec().getStore();
        PostgresStore pg = store.getPostgres();
        pg.setUrl(env("SCHEDLOCK_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test"));
        pg.setUser(env("SCHEDLOCK_TEST_PG_USER", "postgres"));
        pg.setSchema(schema);
        return store;
    }

    /** TTL 3 s, so that a killed leader's lease expires quickly. */
    static SchedulerDeployment withShortLease(SchedulerDeployment sd) {
        LeaseSpec lease = new LeaseSpec();
        lease.setTtl("3s");
        lease.setHeartbeatInterval("1s");
        lease.setRetryInterval("500ms");
        lease.setPermitTtl("1s");
        sd.getSpec().setLease(lease);
        return sd;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value != null && !value.isBlank() ? value : fallback;
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
