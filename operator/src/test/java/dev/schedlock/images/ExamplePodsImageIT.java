package dev.schedlock.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.model.DeploymentModel;
import dev.schedlock.operator.model.ModelContext;
import dev.schedlock.operator.model.SidecarContainer;
import dev.schedlock.operator.model.SpecValidator;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The documentation's SchedulerDeployment examples (docs/examples/kubernetes), turned into pods by
 * the operator's own model and run as podman pods from the real images: the sidecar image and
 * the Python client example in a Python image, sharing each pod's private loopback; SQLite on a
 * claim directory shared by the pods, or the machine's PostgreSQL. Then the faults of a cluster:
 * the leader's sidecar container killed (and restarted, as the kubelet does), a whole pod
 * stopped (and replaced, as the ReplicaSet does), every pod replaced one by one (a rolling
 * update). The main containers' job logs must show one runner at a time, with rising fencing
 * tokens. {@link PodmanKubelet} says what is and is not played as in Kubernetes.
 */
class ExamplePodsImageIT {

    private static final Path ROOT = Path.of(System.getProperty("schedlock.repo.root", "..")).toAbsolutePath().normalize();
    private static final Path EXAMPLES = ROOT.resolve("docs/examples");
    /** "job report run 3 with fencing token 2", as scheduler.py prints it after each fenced write. */
    private static final Pattern JOB = Pattern.compile("^(\\S+) .*job \\S+ run \\d+ with fencing token (\\d+)$");
    private static final ObjectMapper STRICT_YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** Short timings, so that a killed leader is replaced in seconds. */
    private static final Duration TTL = Duration.ofSeconds(6);

    /** A job the main container ran: when (podman's timestamp), in which pod, with which token. */
    record JobRun(Instant at, String pod, long token) {
    }

    @TempDir
    Path dir;

    private Podman podman;
    private PodmanKubelet kubelet;
    private String schema;
    private final List<PodmanKubelet.RunningPod> everyPod = new ArrayList<>();
    /** Pods are named as a ReplicaSet's: the Deployment's name, a hash, then a, b, c, ... here. */
    private String podNamePrefix;

    @AfterEach
    void stop() throws Exception {
        if (kubelet != null) {
            kubelet.close();
        }
        if (podman != null) {
            podman.close();
        }
        if (schema != null) {
            new ProcessBuilder("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc",
                    "DROP SCHEMA IF EXISTS " + schema + " CASCADE").inheritIO().start().waitFor();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scheduler-sqlite.yaml", "scheduler-postgres.yaml"})
    void podsShouldRunOneSchedulerAtATimeThroughKillsStopsAndARollingUpdate(String example) throws Exception {
        podman = Podman.onPath();
        boolean postgres = example.contains("postgres");
        SchedulerDeployment sd = example(example, postgres);
        assertThat(SpecValidator.validate(sd.getSpec())).as("the example as changed here is valid").isEmpty();
        String sidecarImage = podman.image("sidecar");
        PodSpec spec = DeploymentModel.build(sd, new ModelContext(sidecarImage, true, false))
                .getSpec().getTemplate().getSpec();
        Container sidecar = spec.getInitContainers().stream().filter(c -> c.getName().equals(SidecarContainer.NAME))
                .findFirst().orElseThrow();
        kubelet = new PodmanKubelet(podman, dir, Map.of("python:3.12-slim", podman.localBase("PYTHON_IMAGE")),
                Map.of("scheduler-example", EXAMPLES.resolve("clients/python")),
                Map.of("billing-db", Map.of("password", "unused-the-server-trusts-loopback")));
        podNamePrefix = sd.getMetadata().getName() + "-" + UUID.randomUUID().toString().substring(0, 5) + "-";

        List<PodmanKubelet.RunningPod> running = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            running.add(startPod(spec, postgres));
        }
        long token = awaitJob(r -> true).token();

        // 1. SIGKILL to the leader's sidecar: the kubelet restarts the dead container (restartPolicy
        //    Always). After the TTL the lease is free; whichever sidecar takes it first, the restarted
        //    one (a new holder) or the other pod's, takes it with a new token.
        PodmanKubelet.RunningPod leader = podOf(latestJob().pod(), running);
        String killed = leader.container(SidecarContainer.NAME);
        // The process dies (as by the OOM killer), not `podman kill`, after which podman would not restart it.
        assertThat(new ProcessBuilder("kill", "-KILL", Long.toString(podman.pid(killed))).start().waitFor()).isZero();
        long killedToken = token;
        JobRun afterKill = awaitJob(r -> r.token() > killedToken);
        await(killed + " restarted").atMost(Duration.ofSeconds(30)).until(() ->
                podman.inspect(killed, "{{.State.Running}} {{.RestartCount}}").matches("true [1-9][0-9]*"));
        token = afterKill.token();

        // 2. The whole leading pod stops, in the native-sidecar order: its app first, its sidecar
        //    last. The sidecar may then release at once (--native-sidecar), so the other pod leads
        //    long before the TTL would have run out. Then the ReplicaSet replaces the pod.
        leader = podOf(latestJob().pod(), running);
        Instant stopAsked = Instant.now();
        kubelet.stop(leader);
        long stoppedToken = token;
        JobRun afterStop = awaitJob(r -> r.token() > stoppedToken);
        assertThat(afterStop.pod()).isNotEqualTo(leader.name());
        assertThat(Duration.between(stopAsked, afterStop.at())).as("handoff after a graceful stop").isLessThan(TTL);
        assertStoppedInNativeSidecarOrder(leader);
        running.remove(leader);
        running.add(startPod(spec, postgres));
        token = afterStop.token();

        // 3. Rolling update, one pod at a time: the new pod first, ready, then the old one stops.
        for (PodmanKubelet.RunningPod old : List.copyOf(running)) {
            PodmanKubelet.RunningPod fresh = startPod(spec, postgres);
            await(fresh.name() + " ready").atMost(Duration.ofSeconds(60)).until(() -> kubelet.ready(fresh, sidecar));
            kubelet.stop(old);
            assertStoppedInNativeSidecarOrder(old);
            running.remove(old);
            running.add(fresh);
        }
        Instant rolled = Instant.now();
        List<String> newPods = running.stream().map(PodmanKubelet.RunningPod::name).toList();
        awaitJob(r -> r.at().isAfter(rolled) && newPods.contains(r.pod()));

        List<JobRun> runs = jobRuns();
        printTimeline(example, runs);
        assertOneRunnerAtATime(runs);
        assertThat(runs.stream().map(JobRun::token).distinct().count()).as("leaderships seen").isGreaterThanOrEqualTo(4);
        for (PodmanKubelet.RunningPod pod : everyPod) {
            assertThat(kubelet.logLines(pod.container("app"))).as(pod.name() + " was never fenced off")
                    .noneMatch(l -> l.contains("fenced off"));
        }
    }

    /** The example, with short timings, two replicas, the Python client as app, and the local PostgreSQL. */
    private SchedulerDeployment example(String file, boolean postgres) throws IOException {
        SchedulerDeployment sd = STRICT_YAML.readValue(Files.readString(EXAMPLES.resolve("kubernetes").resolve(file)),
                SchedulerDeployment.class);
        sd.getMetadata().setNamespace("default");
        sd.getSpec().setReplicas(2);
        LeaseSpec lease = Optional.ofNullable(sd.getSpec().getLease()).orElseGet(LeaseSpec::new);
        lease.setTtl(TTL.toSeconds() + "s");
        lease.setHeartbeatInterval("2s");
        lease.setRetryInterval("1s");
        lease.setPermitTtl("2s");
        sd.getSpec().setLease(lease);
        PodTemplateSpec template = sd.getSpec().getTemplate();
        Container app = template.getSpec().getContainers().get(0);
        if (postgres) {
            // The example's app is a placeholder (gunicorn); run the Python client in claims mode instead,
            // given its script as the SQLite example gives it.
            app.setImage("python:3.12-slim");
            app.setCommand(List.of("python3", "/app/scheduler.py"));
            app.setArgs(null);
            app.setVolumeMounts(List.of(
                    new VolumeMountBuilder().withName("script").withMountPath("/app").withReadOnly(true).build(),
                    new VolumeMountBuilder().withName("data").withMountPath("/data").build()));
            app.getEnv().add(new EnvVar("JOBS_DB", "/data/jobs.db", null));
            template.getSpec().setVolumes(List.of(
                    new VolumeBuilder().withName("script").withNewConfigMap().withName("scheduler-example").endConfigMap().build(),
                    new VolumeBuilder().withName("data").withNewEmptyDir().endEmptyDir().build()));
            schema = "podman_pods_" + UUID.randomUUID().toString().substring(0, 8);
            sd.getSpec().getStore().getPostgres().setUrl("jdbc:postgresql://127.0.0.1:5432/test");
            sd.getSpec().getStore().getPostgres().setUser("postgres");
            sd.getSpec().getStore().getPostgres().setSchema(schema);
        }
        app.getEnv().add(new EnvVar("JOB_INTERVAL", "0.5", null));
        return sd;
    }

    private PodmanKubelet.RunningPod startPod(PodSpec spec, boolean postgres) throws Exception {
        String name = podNamePrefix + (char) ('a' + everyPod.size());
        PodmanKubelet.RunningPod pod = kubelet.start(name, spec, postgres);
        everyPod.add(pod);
        return pod;
    }

    /** Waits until some pod has run a job that {@code wanted} accepts; returns the first such job. */
    private JobRun awaitJob(Predicate<JobRun> wanted) {
        return await("a job").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> jobRuns().stream().filter(wanted).findFirst(), Optional::isPresent)
                .orElseThrow();
    }

    private JobRun latestJob() throws IOException, InterruptedException {
        List<JobRun> runs = jobRuns();
        return runs.get(runs.size() - 1);
    }

    /** Every job line of every main container so far, in time order. */
    private List<JobRun> jobRuns() throws IOException, InterruptedException {
        List<JobRun> runs = new ArrayList<>();
        for (PodmanKubelet.RunningPod pod : everyPod) {
            for (String line : kubelet.logLines(pod.container("app"))) {
                Matcher m = JOB.matcher(line);
                if (m.matches()) {
                    runs.add(new JobRun(OffsetDateTime.parse(m.group(1)).toInstant(), pod.name(), Long.parseLong(m.group(2))));
                }
            }
        }
        runs.sort(Comparator.comparing(JobRun::at));
        return runs;
    }

    /** In time order, tokens never go down, and whenever another pod runs the jobs, the token has risen. */
    private static void assertOneRunnerAtATime(List<JobRun> runs) {
        for (int i = 1; i < runs.size(); i++) {
            JobRun before = runs.get(i - 1);
            JobRun now = runs.get(i);
            assertThat(now.token()).as("token at %s after %s", now, before).isGreaterThanOrEqualTo(before.token());
            if (!now.pod().equals(before.pod())) {
                assertThat(now.token()).as("%s ran after %s of another pod with the same token", now, before)
                        .isGreaterThan(before.token());
            }
        }
    }

    /** The app exited (SIGTERM) before the sidecar did, and the sidecar released the lease on its way out. */
    private void assertStoppedInNativeSidecarOrder(PodmanKubelet.RunningPod pod) throws Exception {
        String app = pod.container("app");
        String sidecar = pod.container(SidecarContainer.NAME);
        Instant appDone = OffsetDateTime.parse(podman.inspect(app, "{{.State.FinishedAt.Format \"2006-01-02T15:04:05.999999999Z07:00\"}}")).toInstant();
        Instant sidecarDone = OffsetDateTime.parse(podman.inspect(sidecar, "{{.State.FinishedAt.Format \"2006-01-02T15:04:05.999999999Z07:00\"}}")).toInstant();
        assertThat(appDone).as(pod.name() + ": app stopped before its sidecar").isBefore(sidecarDone);
        assertThat(kubelet.logLines(app)).as(app).anyMatch(l -> l.contains("stopped after"));
        assertThat(podman.inspect(app, "{{.State.ExitCode}}")).as(app + " exit code").isEqualTo("0");
    }

    private static PodmanKubelet.RunningPod podOf(String name, List<PodmanKubelet.RunningPod> pods) {
        return pods.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not running"));
    }

    private static void printTimeline(String example, List<JobRun> runs) {
        System.out.println("pods on podman, " + example + ": leaderships (token, pod, jobs, first, last)");
        long token = -1;
        int count = 0;
        JobRun first = null;
        JobRun previous = null;
        for (JobRun run : runs) {
            if (run.token() != token) {
                if (first != null) {
                    System.out.printf("  token %d  %s  %d jobs  %s .. %s%n", token, first.pod(), count, first.at(), previous.at());
                }
                token = run.token();
                first = run;
                count = 0;
            }
            count++;
            previous = run;
        }
        if (first != null) {
            System.out.printf("  token %d  %s  %d jobs  %s .. %s%n", token, first.pod(), count, first.at(), previous.at());
        }
    }
}
