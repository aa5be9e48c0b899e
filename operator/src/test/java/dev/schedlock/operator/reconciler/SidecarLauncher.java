package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.model.SidecarContainer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Plays the kubelet for the injected sidecar container: starts the REAL sidecar jar with the
 * container's args and env, the downward API values filled in and {@code $(VAR)} expanded as the
 * kubelet does.
 *
 * <p>Where a pod differs from this: volumes become directories (claims shared by every pod, as on
 * one node; emptyDirs, Secrets and downward API volumes per pod; {@link PodSimulator} writes the
 * downward API files at each pass, as the kubelet does on its sync period), and the control API moves from 127.0.0.1 to the pod IP,
 * because here all "pods" share one network namespace. The main containers are not run.
 */
final class SidecarLauncher {

    private static final Pattern VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final Pattern CONTROL_PORT = Pattern.compile("--control-address=127\\.0\\.0\\.1:(\\d+)");

    private final KubernetesClient client;
    private final String namespace;
    private final Path sidecarJar;
    private final Path workDir;

    SidecarLauncher(KubernetesClient client, String namespace, Path sidecarJar, Path workDir) {
        this.client = client;
        this.namespace = namespace;
        this.sidecarJar = sidecarJar;
        this.workDir = workDir;
    }

    /** The injected sidecar of {@code spec}; fails the test if there is none. */
    static Container sidecarOf(PodSpec spec) {
        return Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream())
                .filter(c -> c.getName().equals(SidecarContainer.NAME)).findFirst()
                .orElseThrow(() -> new AssertionError("no sidecar injected into the pod template"));
    }

    /** Whether the sidecar runs as a native sidecar (an init container with restartPolicy Always). */
    static boolean isNative(PodSpec spec) {
        return spec.getInitContainers().stream().anyMatch(c -> c.getName().equals(SidecarContainer.NAME)
                && "Always".equals(c.getRestartPolicy()));
    }

    /** The port of the control API the main containers ask, from the sidecar's args. */
    static int controlPort(Container sidecar) {
        return sidecar.getArgs().stream().map(CONTROL_PORT::matcher).filter(Matcher::matches)
                .map(m -> Integer.parseInt(m.group(1))).findFirst()
                .orElseThrow(() -> new AssertionError("no --control-address in " + sidecar.getArgs()));
    }

    /** Starts the sidecar of pod {@code name}; its log goes to {@code dir/sidecar.log}. */
    Process start(PodSpec spec, String name, String uid, String ip, Path dir) throws IOException {
        Container sidecar = sidecarOf(spec);
        Map<String, Path> mounts = mounts(spec, sidecar, dir);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : sidecar.getEnv()) {
            // A value that is a path in the container points into the volume's directory here.
            env.put(e.getName(), e.getValue() != null ? rewrite(e.getValue(), mounts, ip) : downwardApi(e, name, uid, ip));
        }
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
        return pb.start();
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
}
