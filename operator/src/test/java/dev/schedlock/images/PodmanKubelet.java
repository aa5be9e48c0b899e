package dev.schedlock.images;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.schedlock.charts.Tools;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the kubelet for pod specs (as the operator's model makes them) with podman: one podman pod
 * per Kubernetes pod, so that its containers share one private loopback, as in a pod.
 *
 * <p>What it does as the kubelet does: native sidecars (init containers with {@code restartPolicy:
 * Always}) start first, in order, each after the previous one's startup probe passed, then the
 * main containers; on stop the main containers get SIGTERM first, and the sidecars only after
 * they have exited, in reverse order; a container that dies is restarted ({@code --restart=always});
 * downward API values and {@code $(VAR)} in args; the security context (user, read-only root,
 * capabilities, no new privileges) and the memory limit; probes are HTTP GETs sent inside the
 * pod's network namespace (the pod IP is its loopback, 127.0.0.1).
 *
 * <p>What differs: volumes are host directories (claims shared by every pod, as on one node;
 * emptyDirs and Secrets per pod; ConfigMaps given by the test), {@code fsGroup} is the group
 * owner of those directories; a pod reaches the machine's PostgreSQL through a forwarder on its
 * loopback port 5432 to the server's socket, standing in for the cluster network; probes decide
 * nothing after the start (no restarts on a failed liveness probe, no readiness-based routing).
 */
public final class PodmanKubelet implements AutoCloseable {

    private static final Pattern VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final String POD_IP = "127.0.0.1";
    private static final Path PG_SOCKET = Path.of("/run/postgresql/.s.PGSQL.5432");

    /** A pod that runs: its name, its containers (init first) and where its volumes are. */
    public record RunningPod(String name, List<String> sidecars, List<String> mains, Path dir,
                             long gracePeriodSeconds) {

        public String container(String containerName) {
            return name + "-" + containerName;
        }
    }

    private final Podman podman;
    private final Path workDir;
    private final Map<String, String> images;
    private final Map<String, Path> configMaps;
    private final Map<String, Map<String, String>> secrets;
    private final List<Process> forwarders = new ArrayList<>();
    /** Every pod created, running or not, so that {@link #close} removes it even after a failed start. */
    private final List<String> pods = new ArrayList<>();

    /**
     * @param images     image names as the spec gives them → the local images to run instead
     * @param configMaps ConfigMap name → directory with its files
     * @param secrets    Secret name → its data
     */
    public PodmanKubelet(Podman podman, Path workDir, Map<String, String> images, Map<String, Path> configMaps,
                         Map<String, Map<String, String>> secrets) {
        this.podman = podman;
        this.workDir = workDir;
        this.images = images;
        this.configMaps = configMaps;
        this.secrets = secrets;
        // The kubelet's probes and the database forwarder run inside each pod's network namespace.
        Podman.tool("nsenter", "util-linux");
        Podman.tool("curl", "curl");
        Podman.tool("socat", "socat");
    }

    /**
     * Starts pod {@code name}: its native sidecars one by one (each up when its startup probe
     * passes), then its main containers. With {@code postgresForwarder}, the pod's loopback port
     * 5432 leads to the machine's PostgreSQL.
     */
    public RunningPod start(String name, PodSpec spec, boolean postgresForwarder) throws Exception {
        Path dir = Files.createDirectories(workDir.resolve("pods").resolve(name));
        Map<String, Path> volumes = volumes(name, spec, dir);
        podman.run("pod", "create", "--name", name, "--hostname", name, "--network", "none").assertSuccess();
        pods.add(name);
        podman.run("pod", "start", name).assertSuccess();
        if (postgresForwarder) {
            forwardPostgres(name);
        }
        Map<String, String> downward = Map.of("metadata.name", name, "metadata.uid", UUID.randomUUID().toString(),
                "status.podIP", POD_IP);
        List<String> sidecars = new ArrayList<>();
        for (Container init : Optional.ofNullable(spec.getInitContainers()).orElse(List.of())) {
            if (!"Always".equals(init.getRestartPolicy())) {
                fail("init container " + init.getName() + " is not a native sidecar; only those are played here");
            }
            String container = run(name, init, spec, volumes, downward);
            sidecars.add(container);
            awaitProbe(name, container, init.getStartupProbe(), init);
        }
        List<String> mains = new ArrayList<>();
        for (Container main : spec.getContainers()) {
            mains.add(run(name, main, spec, volumes, downward));
        }
        long grace = Optional.ofNullable(spec.getTerminationGracePeriodSeconds()).orElse(30L);
        return new RunningPod(name, sidecars, mains, dir, grace);
    }

    /** True once the container's readiness probe passes (e.g. a new pod of a rolling update). */
    public boolean ready(RunningPod pod, Container container) throws IOException, InterruptedException {
        return probe(pod.name(), container.getReadinessProbe(), container);
    }

    /**
     * Stops the pod as the kubelet stops one with native sidecars: SIGTERM to the main containers,
     * and only when they have exited (or the grace period ran out) to the sidecars, last first.
     */
    public void stop(RunningPod pod) throws IOException, InterruptedException {
        for (String main : pod.mains()) {
            podman.run("stop", "-t", Long.toString(pod.gracePeriodSeconds()), main).assertSuccess();
        }
        for (int i = pod.sidecars().size() - 1; i >= 0; i--) {
            podman.run("stop", "-t", Long.toString(pod.gracePeriodSeconds()), pod.sidecars().get(i)).assertSuccess();
        }
    }

    /** Every line a container printed, with podman's RFC 3339 timestamp in front. */
    public List<String> logLines(String container) throws IOException, InterruptedException {
        Tools.Result logs = podman.run("logs", "--timestamps", container);
        List<String> lines = new ArrayList<>(logs.out().lines().toList());
        lines.addAll(logs.err().lines().toList());
        return lines;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        forwarders.forEach(Process::destroy);
        for (String pod : pods) {
            podman.run("pod", "rm", "-f", "-t", "5", pod);
        }
        pods.clear();
    }

    private String run(String pod, Container c, PodSpec spec, Map<String, Path> volumes, Map<String, String> downward)
            throws IOException, InterruptedException {
        String name = pod + "-" + c.getName();
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name, "--pod", pod, "--restart", "always"));
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar var : Optional.ofNullable(c.getEnv()).orElse(List.of())) {
            env.put(var.getName(), value(var, downward, env));
        }
        env.forEach((k, v) -> args.addAll(List.of("-e", k + "=" + v)));
        for (VolumeMount mount : Optional.ofNullable(c.getVolumeMounts()).orElse(List.of())) {
            if (mount.getSubPath() != null) {
                fail("subPath mounts are not played here: " + mount);
            }
            Path source = Optional.ofNullable(volumes.get(mount.getName()))
                    .orElseGet(() -> fail("no volume " + mount.getName() + " for " + name));
            args.addAll(List.of("-v", source + ":" + mount.getMountPath()
                    + (Boolean.TRUE.equals(mount.getReadOnly()) ? ":ro" : "")));
        }
        args.addAll(securityContext(c.getSecurityContext()));
        Optional.ofNullable(c.getResources()).map(r -> r.getLimits()).map(l -> l.get("memory"))
                .ifPresent(q -> args.addAll(List.of("--memory", Long.toString(Quantity.getAmountInBytes(q).longValue()))));
        if (c.getWorkingDir() != null) {
            args.addAll(List.of("-w", c.getWorkingDir()));
        }
        if (c.getCommand() != null && !c.getCommand().isEmpty()) {
            args.addAll(List.of("--entrypoint", json(expand(c.getCommand(), env))));
        }
        args.add(Optional.ofNullable(images.get(c.getImage())).orElse(c.getImage()));
        args.addAll(expand(Optional.ofNullable(c.getArgs()).orElse(List.of()), env));
        podman.run(args.toArray(String[]::new)).assertSuccess();
        return name;
    }

    /** The pod's volumes as host directories. */
    private Map<String, Path> volumes(String pod, PodSpec spec, Path dir) throws IOException {
        Long fsGroup = spec.getSecurityContext() != null ? spec.getSecurityContext().getFsGroup() : null;
        Map<String, Path> out = new HashMap<>();
        for (Volume v : Optional.ofNullable(spec.getVolumes()).orElse(List.of())) {
            Path path;
            if (v.getEmptyDir() != null) {
                path = Files.createDirectories(dir.resolve("emptydir").resolve(v.getName()));
            } else if (v.getPersistentVolumeClaim() != null) {
                path = Files.createDirectories(workDir.resolve("claims").resolve(v.getPersistentVolumeClaim().getClaimName()));
            } else if (v.getConfigMap() != null) {
                path = Optional.ofNullable(configMaps.get(v.getConfigMap().getName()))
                        .orElseGet(() -> fail("no ConfigMap " + v.getConfigMap().getName() + " given"));
                out.put(v.getName(), path);
                continue;
            } else if (v.getSecret() != null) {
                path = Files.createDirectories(dir.resolve("secret").resolve(v.getName()));
                Map<String, String> data = Optional.ofNullable(secrets.get(v.getSecret().getSecretName()))
                        .orElseGet(() -> fail("no Secret " + v.getSecret().getSecretName() + " given"));
                for (KeyToPath item : v.getSecret().getItems()) {
                    Path file = path.resolve(item.getPath());
                    Files.writeString(file, data.get(item.getKey()), StandardCharsets.UTF_8);
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));
                    chgrp(file, fsGroup);
                }
            } else if (v.getDownwardAPI() != null) {
                path = Files.createDirectories(dir.resolve("downward").resolve(v.getName()));
                for (DownwardAPIVolumeFile item : v.getDownwardAPI().getItems()) {
                    Files.writeString(path.resolve(item.getPath()), downwardValue(pod, item), StandardCharsets.UTF_8);
                }
            } else {
                throw new IllegalArgumentException("volume kind not played here: " + v);
            }
            chgrp(path, fsGroup);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxrwxr-x"));
            out.put(v.getName(), path);
        }
        return out;
    }

    /**
     * A downward API file as the kubelet writes it: the pod's name, or an annotation's or label's
     * value (these pods have none, and the kubelet writes an empty file for a missing key).
     */
    private static String downwardValue(String pod, DownwardAPIVolumeFile item) {
        String field = item.getFieldRef() != null ? item.getFieldRef().getFieldPath() : "";
        if (field.equals("metadata.name")) {
            return pod;
        }
        if (field.startsWith("metadata.annotations[") || field.startsWith("metadata.labels[")) {
            return "";
        }
        throw new IllegalArgumentException("downward API field not played here: " + item);
    }

    /** fsGroup: the kubelet makes the pod's volumes group-owned (and writable) by it. */
    private static void chgrp(Path path, Long gid) throws IOException {
        if (gid != null) {
            Files.setAttribute(path, "unix:gid", gid.intValue());
        }
    }

    private static List<String> securityContext(SecurityContext sc) {
        List<String> args = new ArrayList<>();
        if (sc == null) {
            return args;
        }
        if (sc.getRunAsUser() != null) {
            args.addAll(List.of("--user", sc.getRunAsUser() + (sc.getRunAsGroup() != null ? ":" + sc.getRunAsGroup() : "")));
        }
        if (Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
            args.add("--read-only");
            args.add("--read-only-tmpfs=false"); // only the pod's volumes are writable
        }
        if (Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
            args.add("--security-opt=no-new-privileges");
        }
        if (sc.getCapabilities() != null && sc.getCapabilities().getDrop() != null
                && sc.getCapabilities().getDrop().contains("ALL")) {
            args.add("--cap-drop=all");
        }
        return args;
    }

    private static String value(EnvVar var, Map<String, String> downward, Map<String, String> earlier) {
        if (var.getValueFrom() == null) {
            return expand(List.of(Optional.ofNullable(var.getValue()).orElse("")), earlier).get(0);
        }
        if (var.getValueFrom().getFieldRef() == null) {
            fail("only downward API fieldRefs are played here: " + var);
        }
        String path = var.getValueFrom().getFieldRef().getFieldPath();
        return Optional.ofNullable(downward.get(path)).orElseGet(() -> fail("downward API field " + path));
    }

    /** The kubelet's {@code $(VAR)} expansion in command, args and env values. */
    private static List<String> expand(List<String> words, Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String word : words) {
            Matcher m = VAR.matcher(word);
            out.add(m.replaceAll(r -> Matcher.quoteReplacement(env.getOrDefault(r.group(1), r.group()))));
        }
        return out;
    }

    private static String json(List<String> words) {
        StringBuilder sb = new StringBuilder("[");
        for (String w : words) {
            sb.append(sb.length() > 1 ? "," : "").append('"').append(w.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return sb.append(']').toString();
    }

    /** Waits as the kubelet does before it starts the next container: until the probe passes. */
    private void awaitProbe(String pod, String container, Probe probe, Container c) throws IOException {
        if (probe == null) {
            return;
        }
        await(container + " startup probe").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> probe(pod, probe, c));
    }

    /** One HTTP GET probe, sent from inside the pod's network namespace with curl, as the kubelet would to the pod IP. */
    private boolean probe(String pod, Probe probe, Container c) throws IOException, InterruptedException {
        String port = probe.getHttpGet().getPort().getStrVal() != null
                ? Integer.toString(c.getPorts().stream().filter(p -> probe.getHttpGet().getPort().getStrVal().equals(p.getName()))
                        .findFirst().orElseThrow().getContainerPort())
                : Integer.toString(probe.getHttpGet().getPort().getIntVal());
        Process curl = new ProcessBuilder("nsenter", "--net=" + netns(pod), "curl", "-fsS", "-o", "/dev/null", "-m", "2",
                "http://" + POD_IP + ":" + port + probe.getHttpGet().getPath()).redirectErrorStream(true).start();
        curl.getInputStream().readAllBytes();
        return curl.waitFor(10, TimeUnit.SECONDS) && curl.exitValue() == 0;
    }

    /** The pod's network namespace: that of its infra container. */
    private String netns(String pod) throws IOException, InterruptedException {
        String infra = podman.run("pod", "inspect", "--format", "{{.InfraContainerID}}", pod).assertSuccess().out().strip();
        return "/proc/" + podman.pid(infra) + "/ns/net";
    }

    /**
     * Listens on the pod's 127.0.0.1:5432 and forwards to the machine's PostgreSQL socket: the pod
     * keeps its private loopback and still reaches the server, as a pod reaches a database Service.
     */
    private void forwardPostgres(String pod) throws IOException, InterruptedException {
        if (!Files.exists(PG_SOCKET)) {
            fail("PostgreSQL's socket " + PG_SOCKET + " not found: the pods reach the server through it");
        }
        Process socat = new ProcessBuilder("nsenter", "--net=" + netns(pod), "socat",
                "TCP-LISTEN:5432,bind=127.0.0.1,reuseaddr,fork", "UNIX-CONNECT:" + PG_SOCKET)
                .redirectErrorStream(true).redirectOutput(workDir.resolve(pod + "-forwarder.log").toFile()).start();
        forwarders.add(socat);
    }
}
