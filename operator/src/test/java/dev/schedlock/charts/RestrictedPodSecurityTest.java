package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The checker itself: a compliant pod passes, and each rule catches its own violation. */
class RestrictedPodSecurityTest {

    /** Restricted: non-root, no escalation, no capabilities, RuntimeDefault seccomp, an emptyDir. */
    static PodSpec compliant() {
        return new PodSpecBuilder()
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(65532L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .addNewContainer().withName("app").withImage("example.org/app:1")
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .addNewPort().withContainerPort(8080).endPort()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .build();
    }

    @Test
    void shouldPassACompliantPod() {
        assertThat(RestrictedPodSecurity.violations(compliant(), Map.of())).isEmpty();
    }

    static Stream<Arguments> violations() {
        return Stream.of(
                rule("host namespaces", p -> p.withHostNetwork(true)),
                rule("host namespaces", p -> p.withHostPID(true)),
                rule("hostPath volumes", p -> p.addNewVolume().withName("h")
                        .withNewHostPath().withPath("/").endHostPath().endVolume()),
                rule("privileged containers", p -> p.editFirstContainer()
                        .editSecurityContext().withPrivileged(true).endSecurityContext().endContainer()),
                rule("host ports", p -> p.editFirstContainer().editFirstPort()
                        .withHostPort(80).endPort().endContainer()),
                rule("sysctls", p -> p.editSecurityContext().addNewSysctl()
                        .withName("kernel.msgmax").withValue("1").endSysctl().endSecurityContext()),
                rule("SELinux", p -> p.editSecurityContext().withNewSeLinuxOptions()
                        .withType("spc_t").endSeLinuxOptions().endSecurityContext()),
                rule("/proc mount", p -> p.editFirstContainer().editSecurityContext()
                        .withProcMount("Unmasked").endSecurityContext().endContainer()),
                rule("volume types", p -> p.addNewVolume().withName("n")
                        .withNewNfs().withServer("nfs").withPath("/").endNfs().endVolume()),
                rule("privilege escalation", p -> p.editFirstContainer()
                        .editSecurityContext().withAllowPrivilegeEscalation(null).endSecurityContext().endContainer()
                        ),
                rule("running as non-root:", p -> p.editSecurityContext()
                        .withRunAsNonRoot(null).endSecurityContext()),
                rule("running as non-root:", p -> p.editFirstContainer()
                        .editSecurityContext().withRunAsNonRoot(false).endSecurityContext().endContainer()),
                rule("running as non-root user", p -> p.editSecurityContext()
                        .withRunAsUser(0L).endSecurityContext()),
                rule("seccomp", p -> p.editSecurityContext()
                        .withSeccompProfile(null).endSecurityContext()),
                rule("seccomp", p -> p.editFirstContainer().editSecurityContext()
                        .withNewSeccompProfile().withType("Unconfined").endSeccompProfile().endSecurityContext()
                        .endContainer()),
                rule("capabilities: container app must drop ALL", p -> p
                        .editFirstContainer().editSecurityContext().withNewCapabilities().endCapabilities()
                        .endSecurityContext().endContainer()),
                rule("capabilities: container app may add only", p -> p
                        .editFirstContainer().editSecurityContext().editCapabilities().addToAdd("CHOWN")
                        .endCapabilities().endSecurityContext().endContainer()),
                rule("capabilities (baseline)", p -> p
                        .editFirstContainer().editSecurityContext().editCapabilities().addToAdd("SYS_ADMIN")
                        .endCapabilities().endSecurityContext().endContainer()),
                rule("init container sidecar", p -> p.addNewInitContainer()
                        .withName("sidecar").withImage("example.org/sidecar:1").endInitContainer()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("violations")
    void shouldReportEachRuleItBreaks(String expected, PodSpec pod) {
        assertThat(RestrictedPodSecurity.violations(pod, Map.of())).anySatisfy(v -> assertThat(v).contains(expected));
    }

    @Test
    void shouldReportAnUnconfinedAppArmorAnnotation() {
        assertThat(RestrictedPodSecurity.violations(compliant(),
                Map.of("container.apparmor.security.beta.kubernetes.io/app", "unconfined")))
                .anySatisfy(v -> assertThat(v).startsWith("AppArmor"));
    }

    private static Arguments rule(String expected, UnaryOperator<PodSpecBuilder> edit) {
        return Arguments.of(expected, edit.apply(new PodSpecBuilder(compliant())).build());
    }
}
