package dev.schedlock.operator.model;

import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.PostgresStore;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeploymentSpec;
import dev.schedlock.operator.api.v1alpha1.SidecarPorts;
import dev.schedlock.operator.api.v1alpha1.SidecarSpec;
import dev.schedlock.operator.api.v1alpha1.SqliteStore;
import dev.schedlock.operator.api.v1alpha1.StoreSpec;
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
 * field and says what to write instead. The timing rules are the sidecar's own (its LeaseConfig).
 */
public final class SpecValidator {

    /** One thing to fix. */
    public record Problem(String field, String message) {
        @Override
        public String toString() {
            return field + ": " + message;
        }
    }

    /** The sidecar's own bound (LeaseConfig.MAX_TTL): a pod with a longer ttl would exit 2 at start. */
    private static final Duration MAX_TTL = Duration.ofHours(1);
    private static final Pattern LOCK_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
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
        Duration ttl = duration("spec.lease.ttl", lease.getTtl(), LeaseSettings.DEFAULT_TTL);
        Duration heartbeat = duration("spec.lease.heartbeatInterval", lease.getHeartbeatInterval(),
                LeaseSettings.DEFAULT_HEARTBEAT);
        Duration retry = duration("spec.lease.retryInterval", lease.getRetryInterval(), LeaseSettings.DEFAULT_RETRY);
        Duration permit = duration("spec.lease.permitTtl", lease.getPermitTtl(), LeaseSettings.DEFAULT_PERMIT_TTL);
        if (lease.getLockName() != null && !LOCK_NAME.matcher(lease.getLockName()).matches()) {
            problem("spec.lease.lockName", "'" + lease.getLockName() + "' is not valid: use 1-128 letters,"
                    + " digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (ttl == null || heartbeat == null || retry == null || permit == null) {
            return;
        }
        if (ttl.compareTo(heartbeat.multipliedBy(3)) < 0) {
            problem("spec.lease.ttl", show(ttl) + " is below 3 × heartbeatInterval (" + show(heartbeat)
                    + "), so a single slow renewal could lose the lease: raise ttl to at least "
                    + show(heartbeat.multipliedBy(3)) + " or lower heartbeatInterval to at most " + show(ttl.dividedBy(3)));
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            problem("spec.lease.ttl", show(ttl) + " is above 1h, which the sidecar refuses (a crashed leader is"
                    + " replaced only after one ttl): lower ttl to at most 1h");
        }
        if (permit.compareTo(ttl) >= 0) {
            problem("spec.lease.permitTtl", show(permit) + " is not below ttl (" + show(ttl)
                    + "): lower permitTtl, e.g. to " + show(heartbeat));
        }
        if (retry.compareTo(ttl) >= 0) {
            problem("spec.lease.retryInterval", show(retry) + " is not below ttl (" + show(ttl)
                    + "): lower retryInterval, e.g. to " + show(ttl.dividedBy(10)));
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
            Duration d = GoDurations.parse(value != null ? value : fallback);
            if (d.isZero()) {
                problem(field, "must be positive, e.g. " + fallback);
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            problem(field, e.getMessage());
            return null;
        }
    }

    private void problem(String field, String message) {
        problems.add(new Problem(field, message));
    }

    private static String show(Duration d) {
        return GoDurations.flag(d);
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
