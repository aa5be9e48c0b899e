package dev.schedlock.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.LeaseSpec;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.SidecarPorts;
import dev.schedlock.operator.api.v1alpha1.SidecarSpec;
import dev.schedlock.operator.api.v1alpha1.SqliteStore;
import dev.schedlock.operator.api.v1alpha1.VolumeClaimSpec;
import dev.schedlock.operator.model.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecValidatorTest {

    @Test
    void shouldAcceptTheMinimalResourcesOfBothStores() {
        assertThat(SpecValidator.validate(TestResources.sqlite("a").getSpec())).isEmpty();
        assertThat(SpecValidator.validate(TestResources.postgres("a").getSpec())).isEmpty();
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                bad("ttl below three heartbeats", sd -> lease(sd, l -> {
                    l.setTtl("20s");
                    l.setHeartbeatInterval("10s");
                }), "spec.lease.ttl", "raise ttl to at least 30s or lower heartbeatInterval to at most 6666ms"),
                bad("ttl above the sidecar's bound", sd -> lease(sd, l -> l.setTtl("1h0m1s")),
                        "spec.lease.ttl", "lower ttl to at most 1h"),
                bad("permit as long as the lease", sd -> lease(sd, l -> l.setPermitTtl("60s")),
                        "spec.lease.permitTtl", "lower permitTtl, e.g. to 10s"),
                bad("retry as long as the lease", sd -> lease(sd, l -> l.setRetryInterval("1m")),
                        "spec.lease.retryInterval", "lower retryInterval, e.g. to 6s"),
                bad("duration without unit", sd -> lease(sd, l -> l.setTtl("60")),
                        "spec.lease.ttl", "'60' is not a duration: write e.g. 500ms, 10s"),
                bad("zero heartbeat", sd -> lease(sd, l -> l.setHeartbeatInterval("0s")),
                        "spec.lease.heartbeatInterval", "must be positive"),
                bad("bad lock name", sd -> lease(sd, l -> l.setLockName("-x")),
                        "spec.lease.lockName", "use 1-128 letters"),
                bad("no store", sd -> sd.getSpec().setStore(null),
                        "spec.store", "set exactly one of store.sqlite"),
                bad("both stores", sd -> sd.getSpec().getStore().setSqlite(new SqliteStore()),
                        "spec.store", "set exactly one of store.sqlite"),
                bad("claim and existing claim", sd -> {
                    sd.getSpec().getStore().setPostgres(null);
                    SqliteStore sqlite = new SqliteStore();
                    sqlite.setVolumeClaim(new VolumeClaimSpec());
                    sqlite.setExistingClaim("disk");
                    sd.getSpec().getStore().setSqlite(sqlite);
                }, "spec.store.sqlite", "set at most one of volumeClaim and existingClaim"),
                bad("path out of the volume", sd -> {
                    sd.getSpec().getStore().setPostgres(null);
                    SqliteStore sqlite = new SqliteStore();
                    sqlite.setPath("../etc/lease.db");
                    sd.getSpec().getStore().setSqlite(sqlite);
                }, "spec.store.sqlite.path", "without '..'"),
                bad("not a postgres url", sd -> sd.getSpec().getStore().getPostgres().setUrl("postgres://db/x"),
                        "spec.store.postgres.url", "jdbc:postgresql://"),
                bad("no template", sd -> sd.getSpec().setTemplate(null),
                        "spec.template", "set the pod template of your scheduler app"),
                bad("no container", sd -> sd.getSpec().getTemplate().getSpec().setContainers(List.of()),
                        "spec.template.spec.containers", "add the container that runs your scheduler"),
                bad("container named like the sidecar", sd -> sd.getSpec().getTemplate().getSpec().getContainers()
                        .add(new ContainerBuilder().withName("schedlock").build()),
                        "spec.template.spec", "rename your container"),
                bad("volume named like the sidecar's", sd -> sd.getSpec().getTemplate().getSpec().getVolumes()
                        .add(new VolumeBuilder().withName("schedlock-run").build()),
                        "spec.template.spec.volumes", "rename your volume"),
                bad("negative replicas", sd -> sd.getSpec().setReplicas(-1), "spec.replicas", "use 0 or more"),
                bad("same ports", sd -> {
                    SidecarPorts ports = new SidecarPorts();
                    ports.setControl(8471);
                    SidecarSpec sidecar = new SidecarSpec();
                    sidecar.setPorts(ports);
                    sd.getSpec().setSidecar(sidecar);
                }, "spec.sidecar.ports", "make them differ"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSpecs")
    void shouldNameTheFieldAndSayWhatToFix(String what, Consumer<SchedulerDeployment> breakIt, String field,
                                           String advice) {
        SchedulerDeployment sd = TestResources.postgres("billing");
        breakIt.accept(sd);

        assertThat(SpecValidator.validate(sd.getSpec())).singleElement().satisfies((Problem p) -> {
            assertThat(p.field()).isEqualTo(field);
            assertThat(p.message()).contains(advice);
        });
    }

    @Test
    void shouldReportEveryProblemAtOnce() {
        SchedulerDeployment sd = TestResources.postgres("billing");
        sd.getSpec().setStore(null);
        lease(sd, l -> l.setPermitTtl("2m"));

        assertThat(SpecValidator.validate(sd.getSpec())).extracting(Problem::field)
                .containsExactly("spec.lease.permitTtl", "spec.store");
    }

    private static Arguments bad(String what, Consumer<SchedulerDeployment> breakIt, String field, String advice) {
        return Arguments.of(what, breakIt, field, advice);
    }

    private static void lease(SchedulerDeployment sd, Consumer<LeaseSpec> change) {
        if (sd.getSpec().getLease() == null) {
            sd.getSpec().setLease(new LeaseSpec());
        }
        change.accept(sd.getSpec().getLease());
    }
}
