package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.SidecarPorts;
import dev.schedlock.operator.api.v1alpha1.SidecarSpec;
import dev.schedlock.rules.Durations;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The schedlock sidecar container as injected into the user's pod template. */
public final class SidecarContainer {

    public static final String NAME = "schedlock";
    public static final String STATUS_PORT_NAME = "status";
    public static final int DEFAULT_CONTROL_PORT = 8470;
    public static final int DEFAULT_STATUS_PORT = 8471;
    /** The sidecar image's non-root user; also the pod's fsGroup when the template sets none. */
    public static final long USER_ID = 65532;

    static final String RUN_VOLUME = "schedlock-run";
    static final String RUN_DIR = "/run/schedlock";
    static final String SIGNAL_FILE = RUN_DIR + "/lease.json";
    static final String TMP_VOLUME = "schedlock-tmp";
    /**
     * A downward API volume with the pod's annotation {@code schedlock.dev/step-down}: how the
     * operator asks this pod's sidecar to step down without the store, the loopback control API or
     * pods/exec. Passed as an env var rather than a flag: a pinned older sidecar image ignores it.
     */
    static final String STEP_DOWN_VOLUME = "schedlock-step-down";
    static final String STEP_DOWN_DIR = "/etc/schedlock/step-down";
    static final String STEP_DOWN_ITEM = "request";

    private SidecarContainer() {
    }

    /**
     * Builds the container.
     *
     * @param asNativeSidecar as an init container with {@code restartPolicy: Always}; the sidecar is
     *                        then told it may release at once on SIGTERM, because the kubelet stops
     *                        the main containers (the permit holders) before it
     */
    public static Container build(SchedulerDeployment sd, LeaseSettings lease, StoreWiring store,
                                  ModelContext context, boolean asNativeSidecar) {
        SidecarSpec spec = Optional.ofNullable(sd.getSpec().getSidecar()).orElseGet(SidecarSpec::new);
        int statusPort = statusPort(sd);
        ContainerBuilder container = new ContainerBuilder()
                .withName(NAME)
                .withImage(spec.getImage() != null ? spec.getImage() : context.defaultSidecarImage())
                .withArgs(args(lease, store, controlPort(sd), statusPort, asNativeSidecar))
                .withEnv(downwardApiEnv())
                .addNewPort().withName(STATUS_PORT_NAME).withContainerPort(statusPort).withProtocol("TCP").endPort()
                .withVolumeMounts(mounts(store))
                .withResources(spec.getResources() != null ? spec.getResources() : defaultResources())
                .withSecurityContext(restrictedSecurityContext())
                // Startup answers before migrations finish; readiness needs the store.
                .withStartupProbe(probe("/healthz", 1, 120))
                .withReadinessProbe(probe("/readyz", 5, 3))
                .withLivenessProbe(probe("/healthz", 10, 3));
        if (asNativeSidecar) {
            container.withRestartPolicy("Always");
        }
        return container.build();
    }

    public static int controlPort(SchedulerDeployment sd) {
        return ports(sd).map(SidecarPorts::getControl).orElse(DEFAULT_CONTROL_PORT);
    }

    public static int statusPort(SchedulerDeployment sd) {
        return ports(sd).map(SidecarPorts::getStatus).orElse(DEFAULT_STATUS_PORT);
    }

    private static Optional<SidecarPorts> ports(SchedulerDeployment sd) {
        return Optional.ofNullable(sd.getSpec().getSidecar()).map(SidecarSpec::getPorts);
    }

    private static List<String> args(LeaseSettings lease, StoreWiring store, int controlPort, int statusPort,
                                     boolean asNativeSidecar) {
        List<String> args = new ArrayList<>();
        args.add("run");
        args.addAll(store.sidecarArgs());
        args.add("--lock-name=" + lease.lockName());
        args.add("--ttl=" + Durations.format(lease.ttl()));
        args.add("--heartbeat-interval=" + Durations.format(lease.heartbeatInterval()));
        args.add("--retry-interval=" + Durations.format(lease.retryInterval()));
        args.add("--permit-ttl=" + Durations.format(lease.permitTtl()));
        args.add("--drain-timeout=" + Durations.format(lease.drainTimeout()));
        args.add("--takeover-policy=" + lease.takeoverPolicy().flag());
        args.add("--permit-mode=" + lease.permitMode().flag());
        args.add("--control-address=127.0.0.1:" + controlPort);
        // The kubelet expands $(POD_IP) from the env below.
        args.add("--status-address=$(POD_IP):" + statusPort);
        args.add("--signal-file=" + SIGNAL_FILE);
        args.add("--log-format=json");
        if (asNativeSidecar) {
            args.add("--native-sidecar");
        }
        return args;
    }

    /**
     * Pod name and UID identify the holder; the IP is where the status server listens; the
     * step-down file is where the operator's requests arrive.
     */
    private static List<EnvVar> downwardApiEnv() {
        return List.of(fieldRef("POD_NAME", "metadata.name"),
                fieldRef("POD_UID", "metadata.uid"),
                fieldRef("POD_IP", "status.podIP"),
                new EnvVar("SCHEDLOCK_STEP_DOWN_FILE", STEP_DOWN_DIR + "/" + STEP_DOWN_ITEM, null));
    }

    /** The volume behind {@link #STEP_DOWN_DIR}: one file, the step-down annotation (empty when absent). */
    static Volume stepDownVolume() {
        return new VolumeBuilder().withName(STEP_DOWN_VOLUME).withNewDownwardAPI()
                .addNewItem().withPath(STEP_DOWN_ITEM).withNewFieldRef()
                .withFieldPath("metadata.annotations['" + Labels.POD_STEP_DOWN_ANNOTATION + "']").endFieldRef()
                .endItem().endDownwardAPI().build();
    }

    private static EnvVar fieldRef(String name, String path) {
        return new EnvVarBuilder().withName(name)
                .withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef().endValueFrom()
                .build();
    }

    private static List<VolumeMount> mounts(StoreWiring store) {
        List<VolumeMount> mounts = new ArrayList<>();
        mounts.add(new VolumeMountBuilder().withName(RUN_VOLUME).withMountPath(RUN_DIR).build());
        // The root file system is read-only; the JVM and sqlite-jdbc (native library) need a /tmp.
        mounts.add(new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath("/tmp").build());
        mounts.add(new VolumeMountBuilder().withName(STEP_DOWN_VOLUME).withMountPath(STEP_DOWN_DIR).withReadOnly(true)
                .build());
        mounts.addAll(store.sidecarMounts());
        return mounts;
    }

    private static ResourceRequirements defaultResources() {
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("50m"))
                .addToRequests("memory", new Quantity("128Mi"))
                .addToLimits("memory", new Quantity("256Mi"))
                .build();
    }

    /** The restricted Pod Security Standard, whatever the user's containers do. */
    private static SecurityContext restrictedSecurityContext() {
        return new SecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(USER_ID)
                .withRunAsGroup(USER_ID)
                .withReadOnlyRootFilesystem(true)
                .withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    private static Probe probe(String path, int periodSeconds, int failureThreshold) {
        return new ProbeBuilder()
                .withNewHttpGet().withPath(path).withPort(new IntOrString(STATUS_PORT_NAME)).endHttpGet()
                .withPeriodSeconds(periodSeconds)
                .withFailureThreshold(failureThreshold)
                .withTimeoutSeconds(2)
                .build();
    }
}
