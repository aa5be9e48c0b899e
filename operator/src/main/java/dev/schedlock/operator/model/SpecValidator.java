package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.PostgresStore;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeploymentSpec;
import dev.schedlock.operator.api.v1alpha1.SidecarPorts;
import dev.schedlock.operator.api.v1alpha1.SidecarSpec;
import dev.schedlock.operator.api.v1alpha1.SqliteStore;
import dev.schedlock.operator.api.v1alpha1.StoreSpec;
import dev.schedlock.rules.Durations;
import dev.schedlock.rules.LeaseRules;
import dev.schedlock.rules.LeaseSetting;
import dev.schedlock.rules.LeaseSetting.Naming;
import dev.schedlock.rules.LeaseTiming;
import dev.schedlock.rules.LockNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The CRD's schema and CEL rules again, in Java: API servers before 1.25 and the test server do not
 * run CEL, and a spec that slipped through must not crash-loop the sidecars. Each problem names the
 * field and says what to write instead. Durations, lock names and the timing rules are the
 * sidecar's own ({@link Durations}, {@link LockNames}, {@link LeaseRules}): the operator refuses
 * exactly the specs whose pods the sidecar would refuse.
 */
public final class SpecValidator {

    /** One thing to fix. */
    public record Problem(String field, String message) {
        @Override
        public String toString() {
            return field + ": " + message;
        }
    }

    private static final Set<LeaseSetting> SPEC_SETTINGS = Set.of(LeaseSetting.TTL, LeaseSetting.HEARTBEAT_INTERVAL,
            LeaseSetting.RETRY_INTERVAL, LeaseSetting.PERMIT_TTL);
    private static final Pattern SQLITE_PATH = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");
    private static final Set<String> RESERVED_VOLUMES = Set.of(SidecarContainer.RUN_VOLUME,
            SidecarContainer.TMP_VOLUME, SqliteWiring.VOLUME, PostgresWiring.PASSWORD_VOLUME);

    private final List<Problem> problems = new ArrayList<>();

    private SpecValidator() {
    }

    /** All problems of {@code spec}; empty when the operator can build the desired objects. */
    public static List<Problem> validate(SchedulerDeploymentSpec spec) {
        SpecValidator v = new SpecValidator();
        if (spec == null) {
            v.problem("spec", "is missing: set spec.template and spec.store");
            return v.problems;
        }
        v.checkReplicas(spec.getReplicas());
        v.checkTemplate(spec);
        v.checkLease(Optional.ofNullable(spec.getLease()).orElseGet(LeaseSpec::new));
        v.checkStore(spec.getStore());
        v.checkSidecar(spec.getSidecar());
        return List.copyOf(v.problems);
    }

    private void checkReplicas(Integer replicas) {
        if (replicas != null && replicas < 0) {
            problem("spec.replicas", "is " + replicas + ": use 0 or more");
        }
    }

    private void checkTemplate(SchedulerDeploymentSpec spec) {
        if (spec.getTemplate() == null || spec.getTemplate().getSpec() == null) {
            problem("spec.template", "is missing: set the pod template of your scheduler app, as in a Deployment");
            return;
        }
        PodSpec pod = spec.getTemplate().getSpec();
        if (pod.getContainers() == null || pod.getContainers().isEmpty()) {
            problem("spec.template.spec.containers", "is empty: add the container that runs your scheduler");
            return;
        }
        for (Container c : concat(pod.getContainers(), pod.getInitContainers())) {
            if (SidecarContainer.NAME.equals(c.getName())) {
                problem("spec.template.spec", "has a container named '" + SidecarContainer.NAME
                        + "', which the operator injects: rename your container");
            }
        }
        for (Volume volume : Optional.ofNullable(pod.getVolumes()).orElseGet(List::of)) {
            if (RESERVED_VOLUMES.contains(volume.getName())) {
                problem("spec.template.spec.volumes", "has a volume named '" + volume.getName()
                        + "', which the operator adds: rename your volume");
            }
        }
    }

    private void checkLease(LeaseSpec lease) {
        Duration ttl = duration("ttl", lease.getTtl(), LeaseRules.DEFAULT_TTL_TEXT);
        Duration heartbeat = duration("heartbeatInterval", lease.getHeartbeatInterval(),
                LeaseRules.DEFAULT_HEARTBEAT_TEXT);
        Duration retry = duration("retryInterval", lease.getRetryInterval(), LeaseRules.DEFAULT_RETRY_TEXT);
        Duration permit = duration("permitTtl", lease.getPermitTtl(), LeaseRules.DEFAULT_PERMIT_TTL_TEXT);
        if (lease.getLockName() != null) {
            try {
                LockNames.require("lockName", lease.getLockName());
            } catch (IllegalArgumentException e) {
                problem("spec.lease.lockName", e.getMessage());
            }
        }
        if (ttl == null || heartbeat == null || retry == null || permit == null) {
            return;
        }
        for (LeaseRules.Violation v : LeaseRules.check(LeaseTiming.withDefaults(ttl, heartbeat, retry, permit),
                Naming.SPEC)) {
            // A setting the CRD does not have (the drain) can only break through one it has.
            problem(SPEC_SETTINGS.contains(v.setting()) ? "spec.lease." + v.setting().name(Naming.SPEC) : "spec.lease",
                    v.message());
        }
    }

    private void checkStore(StoreSpec store) {
        if (store == null || (store.getSqlite() == null) == (store.getPostgres() == null)) {
            problem("spec.store", "set exactly one of store.sqlite (all pods on one node) and store.postgres"
                    + " (pods on any node)");
            return;
        }
        if (store.getSqlite() != null) {
            checkSqlite(store.getSqlite());
        } else {
            checkPostgres(store.getPostgres());
        }
    }

    private void checkSqlite(SqliteStore sqlite) {
        if (sqlite.getVolumeClaim() != null && sqlite.getExistingClaim() != null) {
            problem("spec.store.sqlite", "set at most one of volumeClaim and existingClaim");
        }
        String path = sqlite.getPath();
        if (path != null && (!SQLITE_PATH.matcher(path).matches() || List.of(path.split("/")).contains(".."))) {
            problem("spec.store.sqlite.path", "'" + path + "' must be a relative path inside the volume, without"
                    + " '..', e.g. lease.db");
        }
    }

    private void checkPostgres(PostgresStore postgres) {
        if (postgres.getUrl() == null || !postgres.getUrl().startsWith("jdbc:postgresql://")) {
            problem("spec.store.postgres.url", "must be a JDBC URL like jdbc:postgresql://db.example:5432/app");
        }
        if (postgres.getPasswordSecretRef() != null && blank(postgres.getPasswordSecretRef().getName())) {
            problem("spec.store.postgres.passwordSecretRef.name", "is missing: name the Secret that holds"
                    + " the password");
        }
    }

    private void checkSidecar(SidecarSpec sidecar) {
        SidecarPorts ports = sidecar != null ? sidecar.getPorts() : null;
        if (ports == null) {
            return;
        }
        int control = Optional.ofNullable(ports.getControl()).orElse(SidecarContainer.DEFAULT_CONTROL_PORT);
        int status = Optional.ofNullable(ports.getStatus()).orElse(SidecarContainer.DEFAULT_STATUS_PORT);
        checkPort("spec.sidecar.ports.control", control);
        checkPort("spec.sidecar.ports.status", status);
        if (control == status) {
            problem("spec.sidecar.ports", "control and status are both " + control + ": make them differ");
        }
    }

    private void checkPort(String field, int port) {
        if (port < 1 || port > 65535) {
            problem(field, port + " is not a port: use 1-65535");
        }
    }

    private Duration duration(String field, String value, String fallback) {
        try {
            return Durations.parse(value != null ? value : fallback);
        } catch (IllegalArgumentException e) {
            problem("spec.lease." + field, e.getMessage());
            return null;
        }
    }

    private void problem(String field, String message) {
        problems.add(new Problem(field, message));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static List<Container> concat(List<Container> a, List<Container> b) {
        List<Container> all = new ArrayList<>(a);
        if (b != null) {
            all.addAll(b);
        }
        return all;
    }
}
