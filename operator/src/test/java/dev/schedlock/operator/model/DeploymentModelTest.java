package dev.schedlock.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DeploymentModelTest {

    private static final ModelContext K8S_1_31 = new ModelContext("ghcr.io/schedlock/sidecar:0.1.0", true, false);
    private static final ModelContext K8S_1_28 = new ModelContext("ghcr.io/schedlock/sidecar:0.1.0", false, false);

    @Test
    void shouldInjectNativeSidecarFirstAmongInitContainersOnNewClusters() {
        PodSpec pod = podOf(DeploymentModel.build(TestResources.sqlite("billing"), K8S_1_31));

        Container sidecar = pod.getInitContainers().get(0);
        assertThat(sidecar.getName()).isEqualTo("schedlock");
        assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
        assertThat(sidecar.getArgs()).contains("--native-sidecar");
        assertThat(sidecar.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(sidecar.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("app");
    }

    @Test
    void shouldInjectPlainContainerWithoutNativeFlagBefore129() {
        PodSpec pod = podOf(DeploymentModel.build(TestResources.sqlite("billing"), K8S_1_28));

        assertThat(pod.getInitContainers()).isEmpty();
        assertThat(pod.getContainers()).extracting(Container::getName).containsExactly("app", "schedlock");
        Container sidecar = pod.getContainers().get(1);
        assertThat(sidecar.getRestartPolicy()).isNull();
        assertThat(sidecar.getArgs()).doesNotContain("--native-sidecar");
    }

    @Test
    void shouldKeepUserInitContainersAfterTheSidecar() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        sd.getSpec().getTemplate().getSpec().getInitContainers().add(
                new ContainerBuilder().withName("migrate").withImage("alpine").build());

        PodSpec pod = podOf(DeploymentModel.build(sd, K8S_1_31));

        assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("schedlock", "migrate");
    }

    @Test
    void shouldGiveTheSidecarItsIdentityAndStatusAddressFromTheDownwardApi() {
        Container sidecar = sidecar(DeploymentModel.build(TestResources.sqlite("billing"), K8S_1_31));

        Map<String, String> fieldPaths = sidecar.getEnv().stream().filter(e -> e.getValueFrom() != null)
                .collect(Collectors.toMap(EnvVar::getName, e -> e.getValueFrom().getFieldRef().getFieldPath()));
        assertThat(fieldPaths).containsExactlyInAnyOrderEntriesOf(Map.of(
                "POD_NAME", "metadata.name", "POD_UID", "metadata.uid", "POD_IP", "status.podIP"));
        assertThat(sidecar.getArgs()).startsWith("run").contains(
                "--status-address=$(POD_IP):8471",
                "--control-address=127.0.0.1:8470",
                "--signal-file=/run/schedlock/lease.json",
                "--lock-name=jobs.billing");
    }

    @Test
    void shouldGiveTheSidecarTheStepDownAnnotationAsADownwardApiFileThroughAnEnvVar() {
        PodSpec pod = DeploymentModel.build(TestResources.sqlite("billing"), K8S_1_31).getSpec().getTemplate().getSpec();
        Container sidecar = sidecar(DeploymentModel.build(TestResources.sqlite("billing"), K8S_1_31));

        // An env var, not a flag: a pinned older sidecar image ignores it instead of refusing to start.
        assertThat(sidecar.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
                .contains(tuple("SCHEDLOCK_STEP_DOWN_FILE", "/etc/schedlock/step-down/request"));
        assertThat(sidecar.getArgs()).noneMatch(a -> a.startsWith("--step-down-file"));
        assertThat(sidecar.getVolumeMounts()).extracting(VolumeMount::getName, VolumeMount::getMountPath,
                VolumeMount::getReadOnly).contains(tuple("schedlock-step-down", "/etc/schedlock/step-down", true));
        assertThat(volume(pod, "schedlock-step-down").getDownwardAPI().getItems()).singleElement().satisfies(item -> {
            assertThat(item.getPath()).isEqualTo("request");
            assertThat(item.getFieldRef().getFieldPath()).isEqualTo("metadata.annotations['schedlock.dev/step-down']");
        });
        assertThat(pod.getContainers().get(0).getVolumeMounts()).as("the app does not see the requests")
                .noneMatch(m -> m.getName().equals("schedlock-step-down"));
    }

    @Test
    void shouldPassLeaseTimingNormalisedForTheSidecar() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        LeaseSpec lease = new LeaseSpec();
        lease.setTtl("1m30s");
        lease.setHeartbeatInterval("1.5s");
        lease.setLockName("billing-jobs");
        sd.getSpec().setLease(lease);

        assertThat(sidecar(DeploymentModel.build(sd, K8S_1_31)).getArgs()).contains(
                "--ttl=90s", "--heartbeat-interval=1500ms", "--retry-interval=2s", "--permit-ttl=10s",
                "--drain-timeout=15s", "--takeover-policy=store-clock", "--permit-mode=pod",
                "--lock-name=billing-jobs");
    }

    @Test
    void shouldPassDaysAndADrainTheSidecarAccepts() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        LeaseSpec lease = new LeaseSpec();
        lease.setTtl("0d1h");
        lease.setHeartbeatInterval("1s");
        lease.setPermitTtl("59m58s");
        sd.getSpec().setLease(lease);

        assertThat(SpecValidator.validate(sd.getSpec())).isEmpty();
        assertThat(sidecar(DeploymentModel.build(sd, K8S_1_31)).getArgs()).as("the sidecar's longest drain, 1h")
                .contains("--ttl=3600s", "--permit-ttl=3598s", "--drain-timeout=3600s");
    }

    @Test
    void shouldPointMainContainersAtTheSidecarButKeepUserValues() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        sd.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                .add(new EnvVar("SCHEDLOCK_URL", "http://127.0.0.1:9999", null));

        Container app = podOf(DeploymentModel.build(sd, K8S_1_31)).getContainers().get(0);

        assertThat(app.getEnv()).extracting(EnvVar::getName, EnvVar::getValue).contains(
                tuple("MODE", "scheduler"),
                tuple("SCHEDLOCK_URL", "http://127.0.0.1:9999"),
                tuple("SCHEDLOCK_SIGNAL_FILE", "/run/schedlock/lease.json"));
        assertThat(app.getVolumeMounts()).extracting(VolumeMount::getName, VolumeMount::getMountPath,
                VolumeMount::getReadOnly).containsExactly(
                tuple("schedlock-run", "/run/schedlock", true));
    }

    @Test
    void shouldRunTheSidecarUnderTheRestrictedPodSecurityStandard() {
        var security = sidecar(DeploymentModel.build(TestResources.sqlite("billing"), K8S_1_31)).getSecurityContext();

        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    }

    @Test
    void shouldMountTheClaimAndKeepSqlitePodsOnOneNode() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        PodSpec pod = podOf(DeploymentModel.build(sd, K8S_1_31));

        Volume data = volume(pod, "schedlock-data");
        assertThat(data.getPersistentVolumeClaim().getClaimName()).isEqualTo("billing-lease");
        assertThat(pod.getInitContainers().get(0).getArgs()).contains("--store=jdbc:sqlite:/var/lib/schedlock/lease.db");
        PodAffinityTerm term = pod.getAffinity().getPodAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().get(0);
        assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
        assertThat(term.getLabelSelector().getMatchLabels())
                .isEqualTo(Map.of("schedlock.dev/scheduler-deployment", "billing"));
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(65532L);
    }

    @Test
    void shouldUseAnExistingClaimWithoutCreatingOne() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        sd.getSpec().getStore().getSqlite().setExistingClaim("shared-disk");
        sd.getSpec().getStore().getSqlite().setPath("billing/lease.db");

        DesiredState desired = DesiredState.of(sd, K8S_1_31);

        assertThat(desired.leaseClaim()).isEmpty();
        PodSpec pod = podOf(desired.deployment());
        assertThat(volume(pod, "schedlock-data").getPersistentVolumeClaim().getClaimName()).isEqualTo("shared-disk");
        assertThat(pod.getInitContainers().get(0).getArgs())
                .contains("--store=jdbc:sqlite:/var/lib/schedlock/billing/lease.db");
    }

    @Test
    void shouldMountThePostgresPasswordAsAFileAndNeverAsAnEnvVar() {
        Deployment deployment = DeploymentModel.build(TestResources.postgres("billing"), K8S_1_31);
        PodSpec pod = podOf(deployment);
        Container sidecar = sidecar(deployment);

        Volume secret = volume(pod, "schedlock-store-password");
        assertThat(secret.getSecret().getSecretName()).isEqualTo("db-credentials");
        assertThat(secret.getSecret().getItems()).singleElement()
                .satisfies(item -> assertThat(item.getKey()).isEqualTo("pw"));
        assertThat(sidecar.getArgs()).contains("--store=jdbc:postgresql://db.example:5432/billing",
                "--store-user=billing", "--store-password-file=/etc/schedlock/store/password",
                "--store-schema=schedlock");
        assertThat(sidecar.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/etc/schedlock/store");
            assertThat(m.getReadOnly()).isTrue();
        });
        assertThat(Serialization.asJson(deployment)).doesNotContain("secretKeyRef");
        assertThat(pod.getAffinity()).isNull();
        assertThat(DesiredState.of(TestResources.postgres("billing"), K8S_1_31).leaseClaim()).isEmpty();
    }

    @Test
    void shouldFitTheGracePeriodToTheDrainButNeverShortenTheUsers() {
        SchedulerDeployment sd = TestResources.postgres("billing");
        LeaseSpec lease = new LeaseSpec();
        lease.setPermitTtl("20s");
        sd.getSpec().setLease(lease);
        assertThat(podOf(DeploymentModel.build(sd, K8S_1_31)).getTerminationGracePeriodSeconds())
                .as("permitTtl 20s + 5s drain + 10s margin").isEqualTo(35L);

        sd.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(120L);
        assertThat(podOf(DeploymentModel.build(sd, K8S_1_31)).getTerminationGracePeriodSeconds()).isEqualTo(120L);

        assertThat(podOf(DeploymentModel.build(TestResources.postgres("b"), K8S_1_31))
                .getTerminationGracePeriodSeconds()).as("Kubernetes' default already fits").isEqualTo(30L);
    }

    @Test
    void shouldSelectItsPodsAndBeOwnedByTheResource() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        Deployment deployment = DeploymentModel.build(sd, K8S_1_31);

        assertThat(deployment.getMetadata().getName()).isEqualTo("billing");
        assertThat(deployment.getMetadata().getNamespace()).isEqualTo("jobs");
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(deployment.getSpec().getSelector().getMatchLabels())
                .isEqualTo(Map.of("schedlock.dev/scheduler-deployment", "billing"));
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("app", "billing")
                .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("schedlock.dev/scheduler-deployment", "billing");
        assertThat(deployment.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
            assertThat(ref.getKind()).isEqualTo("SchedulerDeployment");
            assertThat(ref.getUid()).isEqualTo("uid-billing");
            assertThat(ref.getController()).isTrue();
        });
    }

    @Test
    void shouldNotChangeTheUsersTemplate() {
        SchedulerDeployment sd = TestResources.sqlite("billing");
        String before = Serialization.asJson(sd);

        DesiredState.of(sd, K8S_1_31);

        assertThat(Serialization.asJson(sd)).isEqualTo(before);
    }

    private static PodSpec podOf(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec();
    }

    private static Container sidecar(Deployment deployment) {
        PodSpec pod = podOf(deployment);
        return List.of(pod.getInitContainers(), pod.getContainers()).stream().flatMap(List::stream)
                .filter(c -> c.getName().equals("schedlock")).findFirst().orElseThrow();
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }
}
