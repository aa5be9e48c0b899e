package dev.schedlock.charts;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.WindowsSecurityContextOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The restricted Pod Security Standard (Kubernetes "latest", which includes every baseline rule),
 * checked on a pod spec and its annotations as the API server's PodSecurity admission would:
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/. Each finding names the rule
 * and the field.
 */
final class RestrictedPodSecurity {

    /** Capabilities the baseline profile lets containers add. */
    private static final Set<String> BASELINE_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE",
            "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
            "SYS_CHROOT");
    private static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");
    private static final Set<String> SELINUX_TYPES = Set.of("container_t", "container_init_t", "container_kvm_t",
            "container_engine_t");
    private static final Set<String> SECCOMP_ALLOWED = Set.of("RuntimeDefault", "Localhost");

    /** One container of any kind, with where it sits in the pod. */
    private record Box(String where, SecurityContext sc, List<ContainerPort> ports) {
    }

    private RestrictedPodSecurity() {
    }

    /** Every violation of the restricted profile; empty when the pod passes. */
    static List<String> violations(PodSpec pod, Map<String, String> annotations) {
        List<String> found = new ArrayList<>();
        PodSecurityContext psc = Optional.ofNullable(pod.getSecurityContext()).orElseGet(PodSecurityContext::new);
        List<Box> boxes = boxes(pod);

        // ---------------------------------------------------------------- baseline
        check(found, !isTrue(pod.getHostNetwork()), "host namespaces: spec.hostNetwork must be unset or false");
        check(found, !isTrue(pod.getHostPID()), "host namespaces: spec.hostPID must be unset or false");
        check(found, !isTrue(pod.getHostIPC()), "host namespaces: spec.hostIPC must be unset or false");
        check(found, !hostProcess(psc.getWindowsOptions()),
                "HostProcess: spec.securityContext.windowsOptions.hostProcess must be unset or false");
        for (Volume v : list(pod.getVolumes())) {
            check(found, v.getHostPath() == null, "hostPath volumes: volume " + v.getName() + " is a hostPath");
        }
        sysctls(found, psc);
        seLinux(found, "spec.securityContext", psc.getSeLinuxOptions());
        check(found, !unconfined(psc.getSeccompProfile()),
                "seccomp: spec.securityContext.seccompProfile.type must not be Unconfined");
        check(found, psc.getAppArmorProfile() == null || !"Unconfined".equals(psc.getAppArmorProfile().getType()),
                "AppArmor: spec.securityContext.appArmorProfile.type must not be Unconfined");
        annotations.forEach((key, value) -> check(found,
                !key.startsWith("container.apparmor.security.beta.kubernetes.io/")
                        || "runtime/default".equals(value) || value.startsWith("localhost/"),
                "AppArmor: annotation " + key + " must be runtime/default or localhost/*"));
        for (Box box : boxes) {
            SecurityContext sc = box.sc();
            check(found, !isTrue(sc.getPrivileged()), "privileged containers: " + box.where() + " is privileged");
            check(found, !hostProcess(sc.getWindowsOptions()),
                    "HostProcess: " + box.where() + " windowsOptions.hostProcess must be unset or false");
            for (ContainerPort port : box.ports()) {
                check(found, port.getHostPort() == null || port.getHostPort() == 0,
                        "host ports: " + box.where() + " port " + port.getContainerPort() + " uses hostPort");
            }
            seLinux(found, box.where(), sc.getSeLinuxOptions());
            check(found, sc.getProcMount() == null || "Default".equals(sc.getProcMount()),
                    "/proc mount: " + box.where() + " procMount must be unset or Default");
            check(found, sc.getAppArmorProfile() == null || !"Unconfined".equals(sc.getAppArmorProfile().getType()),
                    "AppArmor: " + box.where() + " appArmorProfile.type must not be Unconfined");
            List<String> added = Optional.ofNullable(sc.getCapabilities()).map(Capabilities::getAdd).orElse(List.of());
            for (String cap : added) {
                check(found, BASELINE_CAPABILITIES.contains(cap),
                        "capabilities (baseline): " + box.where() + " adds " + cap);
            }
        }

        // ---------------------------------------------------------------- restricted
        for (Volume v : list(pod.getVolumes())) {
            check(found, restrictedVolume(v), "volume types: volume " + v.getName()
                    + " must be configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret");
        }
        boolean podNonRoot = isTrue(psc.getRunAsNonRoot());
        boolean podSeccomp = psc.getSeccompProfile() != null && SECCOMP_ALLOWED.contains(psc.getSeccompProfile().getType());
        check(found, !Objects.equals(psc.getRunAsUser(), 0L), "running as non-root user: spec.securityContext.runAsUser is 0");
        for (Box box : boxes) {
            SecurityContext sc = box.sc();
            check(found, Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()),
                    "privilege escalation: " + box.where() + " must set allowPrivilegeEscalation: false");
            check(found, isTrue(sc.getRunAsNonRoot()) || (podNonRoot && sc.getRunAsNonRoot() == null),
                    "running as non-root: " + box.where() + " needs runAsNonRoot: true (on the pod or the container)");
            check(found, !Objects.equals(sc.getRunAsUser(), 0L),
                    "running as non-root user: " + box.where() + " runAsUser is 0");
            boolean ownSeccomp = sc.getSeccompProfile() != null && SECCOMP_ALLOWED.contains(sc.getSeccompProfile().getType());
            check(found, ownSeccomp || (podSeccomp && sc.getSeccompProfile() == null),
                    "seccomp: " + box.where() + " needs seccompProfile RuntimeDefault or Localhost (on the pod or the container)");
            Capabilities caps = Optional.ofNullable(sc.getCapabilities()).orElseGet(Capabilities::new);
            check(found, list(caps.getDrop()).contains("ALL"), "capabilities: " + box.where() + " must drop ALL");
            for (String cap : list(caps.getAdd())) {
                check(found, "NET_BIND_SERVICE".equals(cap), "capabilities: " + box.where() + " may add only"
                        + " NET_BIND_SERVICE, not " + cap);
            }
        }
        return found;
    }

    private static List<Box> boxes(PodSpec pod) {
        Stream<Box> containers = list(pod.getContainers()).stream()
                .map(c -> box("container " + c.getName(), c));
        Stream<Box> init = list(pod.getInitContainers()).stream()
                .map(c -> box("init container " + c.getName(), c));
        Stream<Box> ephemeral = list(pod.getEphemeralContainers()).stream()
                .map(RestrictedPodSecurity::box);
        return Stream.of(containers, init, ephemeral).flatMap(s -> s).toList();
    }

    private static Box box(String where, Container c) {
        return new Box(where, Optional.ofNullable(c.getSecurityContext()).orElseGet(SecurityContext::new),
                list(c.getPorts()));
    }

    private static Box box(EphemeralContainer c) {
        return new Box("ephemeral container " + c.getName(),
                Optional.ofNullable(c.getSecurityContext()).orElseGet(SecurityContext::new), list(c.getPorts()));
    }

    private static void sysctls(List<String> found, PodSecurityContext psc) {
        list(psc.getSysctls()).forEach(s -> check(found, SAFE_SYSCTLS.contains(s.getName()),
                "sysctls: " + s.getName() + " is not in the safe set"));
    }

    private static void seLinux(List<String> found, String where, SELinuxOptions options) {
        if (options == null) {
            return;
        }
        check(found, options.getType() == null || options.getType().isEmpty() || SELINUX_TYPES.contains(options.getType()),
                "SELinux: " + where + " seLinuxOptions.type " + options.getType() + " is not allowed");
        check(found, options.getUser() == null || options.getUser().isEmpty(), "SELinux: " + where + " sets seLinuxOptions.user");
        check(found, options.getRole() == null || options.getRole().isEmpty(), "SELinux: " + where + " sets seLinuxOptions.role");
    }

    private static boolean restrictedVolume(Volume v) {
        return v.getConfigMap() != null || v.getCsi() != null || v.getDownwardAPI() != null || v.getEmptyDir() != null
                || v.getEphemeral() != null || v.getPersistentVolumeClaim() != null || v.getProjected() != null
                || v.getSecret() != null;
    }

    private static boolean unconfined(SeccompProfile profile) {
        return profile != null && "Unconfined".equals(profile.getType());
    }

    private static boolean hostProcess(WindowsSecurityContextOptions options) {
        return options != null && isTrue(options.getHostProcess());
    }

    private static boolean isTrue(Boolean b) {
        return Boolean.TRUE.equals(b);
    }

    private static <T> List<T> list(List<T> maybe) {
        return maybe != null ? maybe : List.of();
    }

    private static void check(List<String> found, boolean ok, String violation) {
        if (!ok) {
            found.add(violation);
        }
    }
}
