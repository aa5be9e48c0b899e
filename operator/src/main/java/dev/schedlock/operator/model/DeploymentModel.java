package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The user's pod template with the sidecar and its wiring injected, as a Deployment. */
public final class DeploymentModel {

    public static final int DEFAULT_REPLICAS = 2;
    /** Kubernetes' own default grace period. */
    static final long DEFAULT_GRACE_SECONDS = 30;
    /** Time beyond the sidecar's drain for the main containers to stop and the release to commit. */
    static final Duration GRACE_MARGIN = Duration.ofSeconds(10);
    static final String HOSTNAME_TOPOLOGY = "kubernetes.io/hostname";

    private DeploymentModel() {
    }

    /**
     * Builds the Deployment for a resource all of whose pods run its lock (or that has none yet);
     * call only for a spec without {@link SpecValidator} problems.
     */
    public static Deployment build(SchedulerDeployment sd, ModelContext context) {
        return build(sd, context, RolloutPlan.rollingUpdate());
    }

    /** Builds the Deployment with the strategy and replicas of {@code plan}. */
    public static Deployment build(SchedulerDeployment sd, ModelContext context, RolloutPlan plan) {
        LeaseSettings lease = LeaseSettings.of(sd);
        StoreWiring store = StoreWiring.of(sd);
        PodTemplateSpec template = new PodTemplateSpecBuilder(sd.getSpec().getTemplate()).build();
        ObjectMeta meta = Optional.ofNullable(template.getMetadata()).orElseGet(ObjectMeta::new);
        Map<String, String> labels = new LinkedHashMap<>(Optional.ofNullable(meta.getLabels()).orElseGet(Map::of));
        labels.putAll(Labels.common(sd));
        meta.setLabels(labels);
        Map<String, String> annotations = new LinkedHashMap<>(
                Optional.ofNullable(meta.getAnnotations()).orElseGet(Map::of));
        annotations.put(Labels.OWNER_ANNOTATION, sd.getMetadata().getName());
        LockIdentity.put(annotations, sd);
        meta.setAnnotations(annotations);
        template.setMetadata(meta);
        injectInto(template.getSpec(), sd, lease, store, context);

        return new DeploymentBuilder()
                .withMetadata(Labels.ownedMeta(sd, Names.deployment(sd)))
                .withNewSpec()
                .withReplicas(plan.replicas(Optional.ofNullable(sd.getSpec().getReplicas()).orElse(DEFAULT_REPLICAS)))
                .withStrategy(plan.strategy())
                .withNewSelector().withMatchLabels(Labels.selector(sd)).endSelector()
                .withTemplate(template)
                .endSpec()
                .build();
    }

    private static void injectInto(PodSpec pod, SchedulerDeployment sd, LeaseSettings lease, StoreWiring store,
                                   ModelContext context) {
        for (Container main : pod.getContainers()) {
            pointAtSidecar(main, sd);
        }
        Container sidecar = SidecarContainer.build(sd, lease, store, context, context.nativeSidecars());
        if (context.nativeSidecars()) {
            // First, so that it runs before the user's init containers and stops after everything.
            List<Container> init = new ArrayList<>(List.of(sidecar));
            init.addAll(pod.getInitContainers());
            pod.setInitContainers(init);
        } else {
            pod.getContainers().add(sidecar);
        }
        pod.getVolumes().add(new VolumeBuilder().withName(SidecarContainer.RUN_VOLUME)
                .withNewEmptyDir().withSizeLimit(new Quantity("1Mi")).endEmptyDir()
                .build());
        pod.getVolumes().add(new VolumeBuilder().withName(SidecarContainer.TMP_VOLUME)
                .withNewEmptyDir().withSizeLimit(new Quantity("64Mi")).endEmptyDir()
                .build());
        pod.getVolumes().add(SidecarContainer.stepDownVolume());
        pod.getVolumes().addAll(store.volumes());
        if (pod.getSecurityContext() == null) {
            pod.setSecurityContext(new PodSecurityContextBuilder().build());
        }
        if (pod.getSecurityContext().getFsGroup() == null) {
            // Lets the non-root sidecar write the SQLite volume and read the password file.
            pod.getSecurityContext().setFsGroup(SidecarContainer.USER_ID);
        }
        pod.setTerminationGracePeriodSeconds(gracePeriodSeconds(pod.getTerminationGracePeriodSeconds(), lease));
        if (store.sameNode()) {
            pod.setAffinity(withSameNodeAffinity(pod.getAffinity(), sd));
        }
    }

    /** Env vars and the shared directory that lead a main container to the sidecar; user values win. */
    private static void pointAtSidecar(Container main, SchedulerDeployment sd) {
        List<EnvVar> env = new ArrayList<>(main.getEnv());
        addIfAbsent(env, "SCHEDLOCK_URL", "http://127.0.0.1:" + SidecarContainer.controlPort(sd));
        addIfAbsent(env, "SCHEDLOCK_SIGNAL_FILE", SidecarContainer.SIGNAL_FILE);
        main.setEnv(env);
        main.getVolumeMounts().add(new VolumeMountBuilder().withName(SidecarContainer.RUN_VOLUME)
                .withMountPath(SidecarContainer.RUN_DIR).withReadOnly(true).build());
    }

    private static void addIfAbsent(List<EnvVar> env, String name, String value) {
        if (env.stream().noneMatch(e -> name.equals(e.getName()))) {
            env.add(new EnvVar(name, value, null));
        }
    }

    /** At least the sidecar's drain (LeaseRules.defaultDrainTimeout) plus a margin, never less than the user asked for. */
    static long gracePeriodSeconds(Long userSeconds, LeaseSettings lease) {
        long needed = (lease.drainTimeout().plus(GRACE_MARGIN).toMillis() + 999) / 1000;
        long asked = userSeconds != null ? userSeconds : DEFAULT_GRACE_SECONDS;
        return Math.max(asked, needed);
    }

    /**
     * Required pod affinity to the resource's own pods on the same host: a SQLite file is safe only
     * among processes of one host. The first pod matches itself, so it can be scheduled anywhere.
     */
    private static Affinity withSameNodeAffinity(Affinity userAffinity, SchedulerDeployment sd) {
        PodAffinityTerm sameNode = new PodAffinityTermBuilder()
                .withNewLabelSelector().withMatchLabels(Labels.selector(sd)).endLabelSelector()
                .withTopologyKey(HOSTNAME_TOPOLOGY)
                .build();
        return new AffinityBuilder(userAffinity != null ? userAffinity : new Affinity())
                .editOrNewPodAffinity()
                .addToRequiredDuringSchedulingIgnoredDuringExecution(sameNode)
                .endPodAffinity()
                .build();
    }
}
