package dev.schedlock.operator.reconciler;

import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Plays the Deployment controller, the ReplicaSet controller and the kubelet for one Deployment, with
 * REAL sidecar processes ({@link SidecarLauncher}) each on its own loopback address 127.0.0.N as
 * pod IP. Each {@link #sync} is one pass of all three:
 * <ol>
 *   <li>kubelet: a pod being deleted whose sidecar has exited disappears from the API (it was
 *       visible with a deletionTimestamp until then); one whose grace period is over is killed;
 *       a pod whose sidecar died (kill -9) is deleted, and its ReplicaSet replaces it;</li>
 *   <li>each pod's readiness ({@code /readyz}) gives the ReplicaSets' status;</li>
 *   <li>Deployment controller: the ReplicaSet of the current template is found or made, and the
 *       strategy sizes the ReplicaSets ({@link DeploymentRollout}: RollingUpdate with maxSurge and
 *       maxUnavailable, or Recreate);</li>
 *   <li>ReplicaSet controller: missing pods are started, surplus pods deleted (not-ready ones first,
 *       then the newest); a deleted pod stays in the API with a deletionTimestamp while its sidecar
 *       gets SIGTERM and drains, as the kubelet runs it (main containers first, for a native sidecar).</li>
 * </ol>
 * Old and new ReplicaSets live side by side (published as objects, owned by the Deployment, with
 * {@code pod-template-hash}); pods are named {@code <replicaset>-<n>}.
 *
 * <p>Differences from a cluster besides those of {@link DeploymentRollout} and
 * {@link SidecarLauncher}: readiness is {@code /readyz} answering 200 at the pass, without probe
 * periods or thresholds; a killed sidecar is not restarted inside its pod, the pod is replaced; the
 * template hash is a SHA-256 of the template, not FNV with a collision count; the garbage collector
 * is played by deleting every pod once the Deployment is gone.
 */
final class PodSimulator implements AutoCloseable {

    static final String TEMPLATE_HASH = "pod-template-hash";
    /** Keeps a deleted pod visible in the mock API server until its sidecar has exited. */
    static final String KUBELET_FINALIZER = "test.schedlock.dev/kubelet";
    private static final Pattern ANNOTATION_FIELD =
            Pattern.compile("metadata\\.annotations\\['([^']+)'\\]");
    private static final int FIRST_IP = 10;
    private static final int LAST_IP = 254;

    private final KubernetesClient client;
    private final String namespace;
    private final String deploymentName;
    private final SidecarLauncher launcher;
    private final Path workDir;
    private final Map<String, SimReplicaSet> replicaSets = new LinkedHashMap<>();
    /** Read by the permit checker's thread while {@link #sync} runs. */
    private final List<SimPod> pods = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private long sequence;
    private int nextIp = FIRST_IP;
    private int mostPodsAtOnce;

    PodSimulator(KubernetesClient client, String namespace, String deploymentName, Path sidecarJar, Path workDir) {
        this.client = client;
        this.namespace = namespace;
        this.deploymentName = deploymentName;
        this.launcher = new SidecarLauncher(client, namespace, sidecarJar, workDir);
        this.workDir = workDir;
    }

    /** One pass of the kubelet, the Deployment controller and the ReplicaSet controller. */
    synchronized void sync() throws IOException {
        long now = System.nanoTime();
        reapPods(now);
        refreshDownwardApiFiles();
        Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(deploymentName).get();
        Set<SimPod> ready = runningPods().stream().filter(this::ready).collect(Collectors.toSet());
        countPods(ready);
        if (deployment == null) {
            // The garbage collector deletes the ReplicaSets, and they their pods.
            replicaSets.values().forEach(rs -> rs.specReplicas = 0);
        } else {
            rollout(deployment);
        }
        for (SimReplicaSet rs : List.copyOf(replicaSets.values())) {
            resize(rs, deployment, ready);
        }
        countPods(ready);
        publishStatus(deployment);
        mostPodsAtOnce = Math.max(mostPodsAtOnce, pods.size());
    }

    /** The IP of a pod that exists, for the API server's pod proxy ({@link PodProxy}). */
    Optional<String> ipOf(String podName) {
        return pods.stream().filter(p -> p.name().equals(podName)).map(SimPod::ip).findFirst();
    }

    /**
     * The kubelet's refresh of downward API volume files: each {@code metadata.annotations['…']}
     * item gets the pod's current annotation (empty when absent), replaced atomically as the
     * kubelet does (it swaps a symlink). Here once a pass; a kubelet does it on its sync period.
     */
    private void refreshDownwardApiFiles() throws IOException {
        for (SimPod p : pods) {
            if (p.terminating()) {
                continue;
            }
            Pod pod = client.pods().inNamespace(namespace).withName(p.name()).get();
            if (pod == null) {
                continue;
            }
            Map<String, String> annotations = Optional.ofNullable(pod.getMetadata().getAnnotations()).orElse(Map.of());
            for (Volume v : pod.getSpec().getVolumes()) {
                if (v.getDownwardAPI() == null) {
                    continue;
                }
                for (DownwardAPIVolumeFile item : v.getDownwardAPI().getItems()) {
                    Matcher m = ANNOTATION_FIELD.matcher(item.getFieldRef().getFieldPath());
                    if (!m.matches()) {
                        throw new AssertionError("the simulator does not know downward API field "
                                + item.getFieldRef().getFieldPath());
                    }
                    Path file = p.dir().resolve("volumes").resolve(v.getName()).resolve(item.getPath());
                    String value = annotations.getOrDefault(m.group(1), "");
                    if (!Files.exists(file) || !Files.readString(file).equals(value)) {
                        Files.createDirectories(file.getParent());
                        Path aside = file.resolveSibling(".." + item.getPath() + ".tmp");
                        Files.writeString(aside, value);
                        Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE,
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    /** The most pods that existed at the end of a pass, running or being deleted. */
    synchronized int mostPodsAtOnce() {
        return mostPodsAtOnce;
    }

    /** Whether every pod runs the Deployment's current template, as many as it asks for, all ready. */
    synchronized boolean rolledOut() {
        Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(deploymentName).get();
        if (deployment == null) {
            return false;
        }
        SimReplicaSet current = replicaSets.get(replicaSetName(templateJson(deployment.getSpec().getTemplate())));
        int wanted = deployment.getSpec().getReplicas();
        return current != null && current.specReplicas == wanted && current.readyReplicas == wanted
                && pods.stream().allMatch(p -> !p.terminating() && p.replicaSet().equals(current.name));
    }

    /** {@code kill -9} of the pod's sidecar; the next {@link #sync} deletes and replaces the pod. */
    synchronized void kill(String podName) throws InterruptedException {
        for (SimPod p : pods) {
            if (p.name().equals(podName)) {
                p.process().destroyForcibly();
                p.process().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Every pod that exists, running or being deleted. */
    List<SimPod> pods() {
        return List.copyOf(pods);
    }

    /** The pods that are not being deleted. */
    List<SimPod> runningPods() {
        return pods.stream().filter(p -> !p.terminating()).toList();
    }

    /** Whether any sidecar process of this simulator is still alive. */
    boolean anyAlive() {
        return pods.stream().anyMatch(p -> p.process().isAlive());
    }

    // ------------------------------------------------------------------ kubelet

    private void reapPods(long now) {
        for (SimPod p : pods) {
            if (!p.process().isAlive()) {
                if (!p.terminating()) {
                    p.beginDeletion(now); // died on its own: the ReplicaSet will replace it
                }
                removeFromApi(p);
                pods.remove(p);
            } else if (p.graceOver(now)) {
                p.process().destroyForcibly();
            }
        }
    }

    private void delete(SimPod p) {
        p.beginDeletion(System.nanoTime()); // main containers first, then the sidecar
        try {
            client.pods().inNamespace(namespace).withName(p.name()).delete(); // the finalizer keeps it visible
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        p.process().destroy(); // SIGTERM: the sidecar drains and releases, then exits
    }

    /** The kubelet's last word: the containers are gone, so is the pod. */
    private void removeFromApi(SimPod p) {
        try {
            client.pods().inNamespace(namespace).withName(p.name())
                    .edit(pod -> new PodBuilder(pod).editMetadata().removeFromFinalizers(KUBELET_FINALIZER)
                            .endMetadata().build());
            client.pods().inNamespace(namespace).withName(p.name()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------ controllers

    private void rollout(Deployment deployment) {
        String json = templateJson(deployment.getSpec().getTemplate());
        SimReplicaSet current = replicaSets.get(replicaSetName(json));
        List<SimReplicaSet> old = replicaSets.values().stream().filter(rs -> rs != current).toList();
        DeploymentRollout.sync(deployment.getSpec(), current, old, size -> {
            SimReplicaSet made = new SimReplicaSet(replicaSetName(json), json,
                    new PodTemplateSpecBuilder(deployment.getSpec().getTemplate()).build(), sequence++, size);
            replicaSets.put(made.name, made);
            publish(made, deployment);
            return made;
        });
    }

    /** The ReplicaSet controller for {@code rs}: start or delete pods until it has what it should. */
    private void resize(SimReplicaSet rs, Deployment deployment, Set<SimPod> ready) throws IOException {
        if (deployment != null && rs.specReplicas != rs.publishedSpec) {
            publish(rs, deployment);
        }
        List<SimPod> active = pods.stream().filter(p -> p.replicaSet().equals(rs.name) && !p.terminating())
                .collect(Collectors.toCollection(ArrayList::new));
        for (int i = active.size(); i < rs.specReplicas; i++) {
            pods.add(start(rs));
        }
        if (active.size() > rs.specReplicas) {
            // getPodsToDelete's ranking, shortened: not ready before ready, then newer before older.
            active.sort(Comparator.comparing((SimPod p) -> ready.contains(p))
                    .thenComparing(Comparator.comparingLong(SimPod::createdSeq).reversed()));
            active.subList(0, active.size() - rs.specReplicas).forEach(this::delete);
        }
    }

    /** The ReplicaSets' status; {@code ready} are the pods that answered {@code /readyz} in this pass. */
    private void countPods(Set<SimPod> ready) {
        for (SimReplicaSet rs : replicaSets.values()) {
            List<SimPod> own = pods.stream().filter(p -> p.replicaSet().equals(rs.name)).toList();
            rs.replicas = (int) own.stream().filter(p -> !p.terminating()).count();
            rs.readyReplicas = (int) own.stream().filter(p -> !p.terminating() && ready.contains(p)).count();
            rs.availableReplicas = rs.readyReplicas;
            rs.terminating = own.size() - rs.replicas;
        }
    }

    private SimPod start(SimReplicaSet rs) throws IOException {
        if (nextIp > LAST_IP) {
            throw new AssertionError("the simulator ran out of loopback addresses; start fewer pods per test");
        }
        long seq = sequence++;
        String name = rs.name + "-" + seq;
        String uid = UUID.randomUUID().toString();
        String ip = "127.0.0." + nextIp++;
        PodSpec spec = rs.template.getSpec();
        Path dir = Files.createDirectories(workDir.resolve("pods").resolve(name));
        Process process = launcher.start(spec, name, uid, ip, dir);
        Map<String, String> labels = new LinkedHashMap<>(rs.template.getMetadata().getLabels());
        labels.put(TEMPLATE_HASH, hashOf(rs.name));
        client.resource(new PodBuilder()
                .withNewMetadata()
                .withName(name).withNamespace(namespace).withUid(uid)
                .withLabels(labels)
                .withAnnotations(rs.template.getMetadata().getAnnotations())
                .withFinalizers(KUBELET_FINALIZER)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet")
                        .withName(rs.name).withUid("uid-" + rs.name).withController(true).build())
                .endMetadata()
                .withSpec(spec)
                .withNewStatus().withPhase("Running").withPodIP(ip).endStatus()
                .build()).create();
        int statusPort = SidecarLauncher.sidecarOf(spec).getPorts().get(0).getContainerPort();
        long graceNanos = TimeUnit.SECONDS.toNanos(Optional.ofNullable(spec.getTerminationGracePeriodSeconds())
                .orElse(30L));
        return new SimPod(name, uid, ip, SidecarLauncher.controlPort(SidecarLauncher.sidecarOf(spec)), statusPort,
                rs.name, SidecarLauncher.isNative(spec), graceNanos, process, dir, seq);
    }

    private boolean ready(SimPod p) {
        if (!p.process().isAlive()) {
            return false;
        }
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + p.ip() + ":" + p.statusPort() + "/readyz"))
                    .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ------------------------------------------------------------------ API objects

    private void publish(SimReplicaSet rs, Deployment deployment) {
        Map<String, String> selector = new LinkedHashMap<>(deployment.getSpec().getSelector().getMatchLabels());
        selector.put(TEMPLATE_HASH, hashOf(rs.name));
        PodTemplateSpec template = new PodTemplateSpecBuilder(rs.template).editMetadata()
                .addToLabels(TEMPLATE_HASH, hashOf(rs.name)).endMetadata().build();
        client.resource(new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(rs.name).withNamespace(namespace).withLabels(template.getMetadata().getLabels())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                        .withName(deploymentName).withUid(deployment.getMetadata().getUid()).withController(true)
                        .build())
                .endMetadata()
                .withNewSpec()
                .withReplicas(rs.specReplicas)
                .withSelector(new LabelSelectorBuilder().withMatchLabels(selector).build())
                .withTemplate(template)
                .endSpec()
                .build()).createOr(existing -> existing.edit(r -> {
                    r.getSpec().setReplicas(rs.specReplicas);
                    return r;
                }));
        rs.publishedSpec = rs.specReplicas;
    }

    private void publishStatus(Deployment deployment) {
        for (SimReplicaSet rs : replicaSets.values()) {
            ReplicaSetStatus status = new ReplicaSetStatusBuilder().withReplicas(rs.replicas)
                    .withReadyReplicas(rs.readyReplicas).withAvailableReplicas(rs.availableReplicas).build();
            if (!status.toString().equals(rs.publishedStatus)) {
                client.apps().replicaSets().inNamespace(namespace).withName(rs.name).editStatus(r -> {
                    r.setStatus(status);
                    return r;
                });
                rs.publishedStatus = status.toString();
            }
        }
        if (deployment == null) {
            return;
        }
        SimReplicaSet current = replicaSets.get(replicaSetName(templateJson(deployment.getSpec().getTemplate())));
        int replicas = replicaSets.values().stream().mapToInt(rs -> rs.replicas).sum();
        int ready = replicaSets.values().stream().mapToInt(rs -> rs.readyReplicas).sum();
        int available = replicaSets.values().stream().mapToInt(rs -> rs.availableReplicas).sum();
        try {
            client.apps().deployments().inNamespace(namespace).withName(deploymentName).editStatus(d -> {
                d.setStatus(new DeploymentStatusBuilder().withReplicas(replicas).withReadyReplicas(ready)
                        .withAvailableReplicas(available)
                        .withUpdatedReplicas(current != null ? current.replicas : 0)
                        .withUnavailableReplicas(Math.max(0, d.getSpec().getReplicas() - available))
                        .withObservedGeneration(d.getMetadata().getGeneration())
                        .build());
                return d;
            });
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404 && e.getCode() != 409) {
                throw e; // a Deployment deleted or written meanwhile is counted again at the next pass
            }
        }
    }

    private String replicaSetName(String templateJson) {
        return deploymentName + "-" + sha256(templateJson).substring(0, 10);
    }

    private String hashOf(String replicaSetName) {
        return replicaSetName.substring(deploymentName.length() + 1);
    }

    private String templateJson(PodTemplateSpec template) {
        return client.getKubernetesSerialization().asJson(template);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        for (SimPod p : pods) {
            p.process().destroyForcibly();
        }
        pods.clear();
    }
}
