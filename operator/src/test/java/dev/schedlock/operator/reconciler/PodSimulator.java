package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.model.SidecarContainer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Plays the ReplicaSet controller and the kubelet for one Deployment: for each pod the Deployment
 * asks for it starts the REAL sidecar jar from the injected container's args and env, with the
 * downward API values filled in and {@code $(VAR)} expanded as the kubelet does, on its own loopback
 * address 127.0.0.N as pod IP, and publishes the Pod with that IP.
 *
 * <p>Where a pod differs from this: volumes become directories (claims shared by every pod, as on
 * one node; emptyDirs and Secrets per pod), and the control API moves from 127.0.0.1 to the pod IP,
 * because here all "pods" share one network namespace. The main containers are not run.
 */
final class PodSimulator implements AutoCloseable {

    private static final Pattern VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    /** A running simulated pod. */
    record SimPod(String name, String ip, Process process, Path dir) {
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String deploymentName;
    private final Path sidecarJar;
    private final Path workDir;
    private final List<SimPod> running = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private int nextIndex;

    PodSimulator(KubernetesClient client, String namespace, String deploymentName, Path sidecarJar, Path workDir) {
        this.client = client;
        this.namespace = namespace;
        this.deploymentName = deploymentName;
        this.sidecarJar = sidecarJar;
        this.workDir = workDir;
    }

    /**
     * One pass of the controllers: pods whose process died are deleted, as many pods run as the
     * Deployment asks for (none once it is gone), and the Deployment's status counts the ready ones.
     */
    synchronized void sync() throws IOException {
        running.removeIf(p -> {
            if (!p.process().isAlive()) {
                deletePod(p);
                return true;
            }
            return false;
        });
        Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(deploymentName).get();
        int wanted = deployment == null ? 0 : deployment.getSpec().getReplicas();
        while (running.size() < wanted) {
            running.add(start(deployment));
        }
        while (running.size() > wanted) {
            stop(running.remove(running.size() - 1));
        }
        if (deployment != null) {
            int ready = (int) running.stream().filter(this::ready).count();
            deployment.setStatus(new DeploymentStatusBuilder().withReplicas(running.size()).withReadyReplicas(ready)
                    .withAvailableReplicas(ready).withObservedGeneration(deployment.getMetadata().getGeneration())
                    .build());
            client.resource(deployment).updateStatus();
        }
    }

    /** {@code kill -9} of the pod's sidecar; the next {@link #sync} deletes and replaces the pod. */
    synchronized void kill(String podName) throws InterruptedException {
        for (SimPod p : running) {
            if (p.name().equals(podName)) {
                p.process().destroyForcibly();
                p.process().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    synchronized List<SimPod> pods() {
        return List.copyOf(running);
    }

    /** Whether any sidecar process of this simulator is still alive. */
    synchronized boolean anyAlive() {
        return running.stream().anyMatch(p -> p.process().isAlive());
    }

    private SimPod start(Deployment deployment) throws IOException {
        int index = nextIndex++;
        String name = deploymentName + "-" + index;
        String uid = UUID.randomUUID().toString();
        String ip = "127.0.0." + (10 + index);
        PodSpec spec = deployment.getSpec().getTemplate().getSpec();
        Container sidecar = Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
                .filter(c -> c.getName().equals(SidecarContainer.NAME)).findFirst()
                .orElseThrow(() -> new AssertionError("no sidecar injected into " + deploymentName));
        Path dir = Files.createDirectories(workDir.resolve("pods").resolve(name));

        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : sidecar.getEnv()) {
            env.put(e.getName(), e.getValue() != null ? e.getValue() : downwardApi(e, name, uid, ip));
        }
        Map<String, Path> mounts = mounts(spec, sidecar, dir);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=" + mounts.getOrDefault("/tmp", dir),
                "-jar", sidecarJar.toString()));
        for (String arg : sidecar.getArgs()) {
            command.add(rewrite(expand(arg, env), mounts, ip));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sidecar.log").toFile());
        pb.environment().putAll(env);
        Process process = pb.start();

        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(name).withNamespace(namespace).withUid(uid)
                .withLabels(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .withAnnotations(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
                .endMetadata()
                .withSpec(spec)
                .withNewStatus().withPhase("Running").withPodIP(ip).endStatus()
                .build();
        client.resource(pod).create();
        return new SimPod(name, ip, process, dir);
    }

    private static String downwardApi(EnvVar e, String name, String uid, String ip) {
        String path = e.getValueFrom().getFieldRef().getFieldPath();
        return switch (path) {
            case "metadata.name" -> name;
            case "metadata.uid" -> uid;
            case "status.podIP" -> ip;
            default -> throw new AssertionError("the simulator does not know downward API field " + path);
        };
    }

    /** Mount path in the container → directory on this machine. */
    private Map<String, Path> mounts(PodSpec spec, Container container, Path podDir) throws IOException {
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = spec.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError("mount of undeclared volume " + mount.getName()));
            Path dir;
            if (volume.getPersistentVolumeClaim() != null) {
                dir = workDir.resolve("claims").resolve(volume.getPersistentVolumeClaim().getClaimName());
            } else {
                dir = podDir.resolve("volumes").resolve(volume.getName());
            }
            Files.createDirectories(dir);
            if (volume.getSecret() != null) {
                writeSecret(volume, dir);
            }
            mounts.put(mount.getMountPath(), dir);
        }
        return mounts;
    }

    private void writeSecret(Volume volume, Path dir) throws IOException {
        Secret secret = client.secrets().inNamespace(namespace).withName(volume.getSecret().getSecretName()).get();
        for (KeyToPath item : volume.getSecret().getItems()) {
            Files.writeString(dir.resolve(item.getPath()),
                    new String(Base64.getDecoder().decode(secret.getData().get(item.getKey())), StandardCharsets.UTF_8));
        }
    }

    /** {@code $(VAR)} as the kubelet expands it; unknown references stay as they are. */
    private static String expand(String arg, Map<String, String> env) {
        Matcher m = VAR.matcher(arg);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(out).toString();
    }

    /** In-container paths to their directories (longest mount first); the pod's loopback to its IP. */
    private static String rewrite(String arg, Map<String, Path> mounts, String ip) {
        String result = arg.replace("--control-address=127.0.0.1:", "--control-address=" + ip + ":");
        List<String> paths = new ArrayList<>(mounts.keySet());
        paths.sort(Comparator.comparingInt(String::length).reversed());
        for (String mountPath : paths) {
            int at = result.indexOf(mountPath + "/");
            if (at >= 0) {
                return result.substring(0, at) + mounts.get(mountPath) + result.substring(at + mountPath.length());
            }
        }
        return result;
    }

    private boolean ready(SimPod p) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + p.ip() + ":" + SidecarContainer.DEFAULT_STATUS_PORT + "/readyz"))
                    .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void stop(SimPod p) {
        p.process().destroy();
        try {
            if (!p.process().waitFor(15, TimeUnit.SECONDS)) {
                p.process().destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.process().destroyForcibly();
        }
        deletePod(p);
    }

    private void deletePod(SimPod p) {
        client.pods().inNamespace(namespace).withName(p.name()).delete();
    }

    @Override
    public synchronized void close() {
        for (SimPod p : running) {
            p.process().destroyForcibly();
        }
        running.clear();
    }
}
