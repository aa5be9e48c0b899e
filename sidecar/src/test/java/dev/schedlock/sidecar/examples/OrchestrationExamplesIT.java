package dev.schedlock.sidecar.examples;

import static dev.schedlock.sidecar.examples.ExampleFiles.EXAMPLES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedlock.sidecar.examples.ExampleFiles.ProcessSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker Compose, systemd and Kubernetes examples, run without Docker, systemd or a cluster:
 * each test reads the example's files as its tool would, starts the real sidecar jar with the
 * command line and environment they give (through the image's ENTRYPOINT where there is an image),
 * and starts each app as written (the Python client example). Only what cannot be the same on one
 * machine is changed: mount targets become directories of the test, and listen addresses become
 * free loopback ports, because the replicas here share one network namespace. (The image's
 * class-data-sharing archive is made at image build; without it the JVM simply runs without one.)
 *
 * <p>Each test checks the claim its example makes: two replicas on one SQLite file, one of which
 * runs the jobs.
 */
class OrchestrationExamplesIT {

    private static final Pattern ADDRESS = Pattern.compile("(127\\.0\\.0\\.1|0\\.0\\.0\\.0|\\$\\(POD_IP\\)):\\d+");
    private static final Path JAR = Path.of(System.getProperty("schedlock.sidecar.jar", "target/schedlock-sidecar.jar"));
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final List<ExampleProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(ExampleProcess::close);
    }

    /** A started sidecar and where it listens. */
    private record Sidecar(ExampleProcess process, String control, String status) {
    }

    // ------------------------------------------------------------------ Docker Compose

    @Test
    void composeShouldLetOneOfTwoAppReplicasScheduleAndHandOverWhenItsPairStops() throws Exception {
        Path composeDir = EXAMPLES.resolve("docker-compose");
        JsonNode services = ExampleFiles.yaml(composeDir.resolve("compose.yaml")).get(0).path("services");
        ExampleFiles.Image image = ExampleFiles.image();

        Map<String, Sidecar> sidecars = new LinkedHashMap<>();
        for (String name : List.of("sidecar-1", "sidecar-2")) {
            JsonNode service = services.path(name);
            assertThat(service.path("image").asText()).isEqualTo("schedlock-sidecar:dev");
            ProcessSpec spec = image.run(ExampleFiles.strings(service.path("command")), env(service.path("environment")))
                    .rewrite(composeMounts(composeDir, service));
            Sidecar sidecar = startSidecar(name, spec);
            sidecars.put(name, sidecar);
            // The healthcheck as Compose runs it in this sidecar's container (the image's environment
            // and volume); SidecarImageIT runs it in the real image.
            List<String> health = ExampleFiles.strings(service.path("healthcheck").path("test"));
            assertThat(health.get(0)).isEqualTo("CMD");
            ProcessSpec probe = onThisMachine(new ProcessSpec(health.subList(1, health.size()), image.env())
                    .rewrite(composeMounts(composeDir, service)));
            await(name + " healthy").atMost(ExampleProcess.PATIENCE).pollInterval(Duration.ofMillis(500))
                    .until(() -> ExampleProcess.run(name + "-health", dir, probe.command(), probe.env()).exitCode() == 0);
        }
        assertThat(volumeOf(services.path("sidecar-1"))).as("one volume for both sidecars")
                .isEqualTo(volumeOf(services.path("sidecar-2")));

        Map<String, ExampleProcess> apps = new LinkedHashMap<>();
        for (String name : List.of("app-1", "app-2")) {
            JsonNode service = services.path(name);
            String pairedWith = service.path("network_mode").asText().replaceFirst("^service:", "");
            assertThat(service.path("depends_on").path(pairedWith).path("condition").asText())
                    .isEqualTo("service_healthy");
            ProcessSpec spec = new ProcessSpec(ExampleFiles.strings(service.path("command")), env(service.path("environment")))
                    .rewrite(composeMounts(composeDir, service))
                    // In the paired sidecar's network namespace 127.0.0.1:8470 is that sidecar.
                    .rewrite(s -> s.replace("127.0.0.1:8470", sidecars.get(pairedWith).control()));
            apps.put(name, start(name, spec));
        }

        ExampleProcess leading = awaitOneSchedules(apps.values());
        String leadingName = apps.entrySet().stream().filter(e -> e.getValue() == leading).findFirst().orElseThrow().getKey();
        ExampleProcess other = apps.values().stream().filter(a -> a != leading).findFirst().orElseThrow();
        assertThat(leading.output()).contains("with fencing token 1");

        // `docker compose stop app-N sidecar-N`: the app first (depends_on), then its sidecar.
        Sidecar leadingSidecar = sidecars.get("sidecar-" + leadingName.substring("app-".length()));
        leading.sigterm();
        leading.awaitExit();
        leadingSidecar.process().sigterm();
        assertThat(leadingSidecar.process().awaitExit()).as(leadingSidecar.process().output()).isZero();
        other.awaitLine("with fencing token 2");
    }

    private static String volumeOf(JsonNode service) {
        return service.path("volumes").get(0).asText().split(":")[0];
    }

    /** Compose's volumes as directories: named volumes under the test directory, paths relative to the file. */
    private UnaryOperator<String> composeMounts(Path composeDir, JsonNode service) throws IOException {
        Map<String, String> mounts = new LinkedHashMap<>();
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asText().split(":");
            Path source = parts[0].startsWith(".") ? composeDir.resolve(parts[0]).normalize()
                    : Files.createDirectories(dir.resolve("volumes").resolve(parts[0]));
            mounts.put(parts[1], source.toString());
        }
        return s -> {
            for (Map.Entry<String, String> m : mounts.entrySet()) {
                s = s.replace(m.getKey(), m.getValue());
            }
            return s;
        };
    }

    private static Map<String, String> env(JsonNode environment) {
        Map<String, String> env = new LinkedHashMap<>();
        environment.properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    // ------------------------------------------------------------------ systemd

    @Test
    void systemdInstancesShouldShareTheSqliteFileAndLetOneAppSchedule() throws Exception {
        Path units = EXAMPLES.resolve("systemd");
        Map<String, List<String>> sidecarUnit = ExampleFiles.unit(units.resolve("schedlock-sidecar@.service"));
        Map<String, List<String>> appUnit = ExampleFiles.unit(units.resolve("example-scheduler@.service"));
        assertThat(appUnit.get("BindsTo")).containsExactly("schedlock-sidecar@%i.service");
        assertThat(appUnit.get("After")).containsExactly("schedlock-sidecar@%i.service");

        UnaryOperator<String> host = s -> s.replace("/usr/bin/java", JAVA)
                .replace("/opt/schedlock/schedlock-sidecar.jar", JAR.toAbsolutePath().toString())
                .replace("/usr/bin/python3", "python3")
                .replace("/opt/schedlock/examples/", EXAMPLES.resolve("clients/python") + "/")
                .replace("/var/lib/", dir.resolve("var-lib") + "/");
        Files.createDirectories(dir.resolve("var-lib/schedlock"));
        Files.createDirectories(dir.resolve("var-lib/example-scheduler"));

        List<ExampleProcess> apps = new ArrayList<>();
        for (String instance : List.of("1", "2")) {
            Map<String, String> envFile = ExampleFiles.envFile(units.resolve(instance + ".env"));
            Sidecar sidecar = startSidecar("schedlock-sidecar@" + instance,
                    systemdService(sidecarUnit, instance, envFile).rewrite(host));
            ProcessSpec app = systemdService(appUnit, instance, envFile).rewrite(host)
                    .rewrite(s -> s.replace(envFile.get("SCHEDLOCK_CONTROL_ADDRESS"), sidecar.control()));
            apps.add(start("example-scheduler@" + instance, app));
        }
        ExampleProcess leading = awaitOneSchedules(apps);
        assertThat(leading.output()).contains("with fencing token 1");
        assertThat(dir.resolve("var-lib/schedlock/lease.db")).as("the one shared SQLite file").isRegularFile();
    }

    @Test
    void systemdUnitsShouldPassSystemdAnalyzeVerify() throws Exception {
        assertThat(Path.of("/usr/bin/systemd-analyze"))
                .as("systemd-analyze: run `apt-get install -y systemd` (.ci/install-tools does)").isExecutable();
        Path units = Files.createDirectories(dir.resolve("units"));
        for (String unit : List.of("schedlock-sidecar@.service", "example-scheduler@.service")) {
            Files.copy(EXAMPLES.resolve("systemd").resolve(unit), units.resolve(unit));
        }
        ExampleProcess verify = ExampleProcess.run("systemd-analyze", units, List.of("systemd-analyze", "verify",
                "schedlock-sidecar@1.service", "example-scheduler@1.service"), Map.of());
        assertThat(verify.output()).as("warnings").isEmpty();
        assertThat(verify.exitCode()).isZero();
    }

    /** ExecStart with its environment, %i and %H expanded, as systemd would run it. */
    private static ProcessSpec systemdService(Map<String, List<String>> unit, String instance,
                                              Map<String, String> envFile) {
        UnaryOperator<String> specifiers = s -> s.replace("%i", instance).replace("%H", "host");
        Map<String, String> env = new LinkedHashMap<>();
        for (String assignment : unit.getOrDefault("Environment", List.of())) {
            int eq = assignment.indexOf('=');
            env.put(assignment.substring(0, eq), specifiers.apply(assignment.substring(eq + 1)));
        }
        assertThat(unit.get("EnvironmentFile")).containsExactly("/etc/schedlock/%i.env");
        env.putAll(envFile);
        List<String> command = List.of(specifiers.apply(unit.get("ExecStart").get(0)).split("\\s+"));
        return new ProcessSpec(command, env);
    }

    // ------------------------------------------------------------------ Kubernetes, without the operator

    @Test
    void plainKubernetesManifestShouldRunOneSchedulerAmongTwoPodsOnTheClaim() throws Exception {
        List<JsonNode> objects = ExampleFiles.yaml(EXAMPLES.resolve("kubernetes/plain-deployment.yaml"));
        JsonNode deployment = byKind(objects, "Deployment");
        JsonNode pod = deployment.path("spec").path("template");
        JsonNode podLabels = pod.path("metadata").path("labels");
        assertThat(deployment.path("spec").path("selector").path("matchLabels")).isEqualTo(podLabels);
        assertThat(byKind(objects, "Service").path("spec").path("selector")).isEqualTo(podLabels);
        assertThat(byKind(objects, "PodDisruptionBudget").path("spec").path("selector").path("matchLabels"))
                .isEqualTo(podLabels);
        JsonNode sidecar = pod.path("spec").path("initContainers").get(0);
        assertThat(sidecar.path("restartPolicy").asText()).as("a native sidecar").isEqualTo("Always");
        String claim = byKind(objects, "PersistentVolumeClaim").path("metadata").path("name").asText();
        ExampleFiles.Image image = ExampleFiles.image();

        int replicas = deployment.path("spec").path("replicas").asInt();
        assertThat(replicas).isEqualTo(2);
        List<ExampleProcess> apps = new ArrayList<>();
        for (int i = 1; i <= replicas; i++) {
            String podName = "reports-7c9d5-pod" + i;
            UnaryOperator<String> mounts = podMounts(pod, podName, claim);
            ProcessSpec sidecarSpec = image.run(ExampleFiles.strings(sidecar.path("args")),
                            podEnv(sidecar, podName)).rewrite(mounts).rewrite(OrchestrationExamplesIT::expandEnvRefs);
            Sidecar running = startSidecar(podName + "-schedlock", sidecarSpec);
            JsonNode app = pod.path("spec").path("containers").get(0);
            ProcessSpec appSpec = new ProcessSpec(ExampleFiles.strings(app.path("command")), podEnv(app, podName))
                    .rewrite(mounts).rewrite(s -> s.replace("127.0.0.1:8470", running.control()));
            apps.add(start(podName + "-app", appSpec));
        }
        ExampleProcess leading = awaitOneSchedules(apps);
        assertThat(leading.output()).contains("with fencing token 1");
        assertThat(dir.resolve("claims").resolve(claim).resolve("lease.db")).as("the lease on the claim").isRegularFile();
        for (int i = 1; i <= replicas; i++) {
            assertThat(dir.resolve("pods/reports-7c9d5-pod" + i + "/schedlock-run/lease.json"))
                    .as("signal file on the pod's shared emptyDir").isRegularFile();
        }
    }

    private static JsonNode byKind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind));
    }

    /** A container's env: literal values, and the downward API as the kubelet fills it in. */
    private static Map<String, String> podEnv(JsonNode container, String podName) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : container.path("env")) {
            String field = e.path("valueFrom").path("fieldRef").path("fieldPath").asText(null);
            String value = field == null ? e.path("value").asText() : switch (field) {
                case "metadata.name" -> podName;
                case "metadata.uid" -> UUID.nameUUIDFromBytes(podName.getBytes()).toString();
                case "status.podIP" -> "127.0.0.1";
                default -> throw new AssertionError("unexpected fieldRef " + field);
            };
            env.put(e.path("name").asText(), value);
        }
        return env;
    }

    /** The kubelet's {@code $(VAR)} expansion in args, for the variables the example uses. */
    private static String expandEnvRefs(String s) {
        return s.replace("$(POD_IP)", "127.0.0.1");
    }

    /**
     * Volume mounts as directories: an emptyDir per pod, a PVC shared by the pods that mount it,
     * the ConfigMap as the directory its file comes from ({@code kubectl create configmap --from-file}).
     */
    private UnaryOperator<String> podMounts(JsonNode pod, String podName, String claim) throws IOException {
        Map<String, Path> volumes = new LinkedHashMap<>();
        for (JsonNode v : pod.path("spec").path("volumes")) {
            String name = v.path("name").asText();
            Path path;
            if (v.has("persistentVolumeClaim")) {
                assertThat(v.path("persistentVolumeClaim").path("claimName").asText()).isEqualTo(claim);
                path = dir.resolve("claims").resolve(claim);
            } else if (v.has("configMap")) {
                path = EXAMPLES.resolve("clients/python");
            } else {
                path = dir.resolve("pods").resolve(podName).resolve(name);
            }
            volumes.put(name, Files.createDirectories(path));
        }
        Map<String, String> mountPaths = new LinkedHashMap<>();
        List<JsonNode> containers = new ArrayList<>();
        pod.path("spec").path("initContainers").forEach(containers::add);
        pod.path("spec").path("containers").forEach(containers::add);
        for (JsonNode c : containers) {
            for (JsonNode m : c.path("volumeMounts")) {
                String target = m.path("mountPath").asText();
                String source = volumes.get(m.path("name").asText()).toString();
                String known = mountPaths.putIfAbsent(target, source);
                assertThat(known == null || known.equals(source)).as("one volume at " + target).isTrue();
            }
        }
        return s -> {
            for (Map.Entry<String, String> m : mountPaths.entrySet()) {
                if (!m.getKey().equals("/tmp")) {
                    s = s.replace(m.getKey() + "/", m.getValue() + "/");
                }
            }
            return s;
        };
    }

    // ------------------------------------------------------------------ common

    /**
     * Starts a sidecar from its spec. Its listen addresses become free loopback ports: here every
     * replica shares this machine's network namespace, where 8470 and 8471 could be taken.
     */
    private Sidecar startSidecar(String name, ProcessSpec spec) throws IOException {
        ProcessSpec local = spec.rewrite(s -> ADDRESS.matcher(s).replaceAll("127.0.0.1:0"));
        if (!local.env().containsKey("SCHEDLOCK_CONTROL_ADDRESS")
                && local.command().stream().noneMatch(a -> a.startsWith("--control-address"))) {
            local = local.withEnv("SCHEDLOCK_CONTROL_ADDRESS", "127.0.0.1:0");
        }
        Path ready = dir.resolve(name + "." + UUID.randomUUID() + ".ready.json");
        ExampleProcess process = start(name, onThisMachine(local).withEnv("SCHEDLOCK_READY_FILE", ready.toString()));
        JsonNode addresses = process.awaitReadyFile(ready);
        return new Sidecar(process, addresses.path("controlAddress").asText(), addresses.path("statusAddress").asText());
    }

    /** The image's Java and jar paths as this machine's: the test JVM's java and the built jar. */
    private static ProcessSpec onThisMachine(ProcessSpec spec) {
        List<String> command = new ArrayList<>(spec.command());
        command.replaceAll(w -> w.equals("/opt/schedlock/java/bin/java") ? JAVA
                : w.equals("/opt/schedlock/schedlock-sidecar.jar") ? JAR.toAbsolutePath().toString() : w);
        return new ProcessSpec(command, spec.env());
    }

    private ExampleProcess start(String name, ProcessSpec spec) throws IOException {
        Path workDir = Files.createDirectories(dir.resolve("run").resolve(name));
        ExampleProcess p = ExampleProcess.start(name, workDir, spec.command(), spec.env());
        started.add(p);
        return p;
    }

    /** Waits until one of the apps has run two jobs, and checks that no other ran any. */
    private static ExampleProcess awaitOneSchedules(Collection<ExampleProcess> apps) {
        ExampleProcess leading = await("one app runs jobs").atMost(ExampleProcess.PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> apps.stream().filter(a -> a.output().contains("job report run 2 ")).findFirst(),
                        Optional::isPresent)
                .orElseThrow();
        for (ExampleProcess other : apps) {
            if (other != leading) {
                other.awaitLine("no permit");
                assertThat(other.output()).as(other + " ran no job").doesNotContain("job report run");
            }
        }
        return leading;
    }

}
