package dev.schedlock.sidecar.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.pg.PermitChecker.Permit;
import dev.schedlock.sidecar.pg.PermitChecker.Readiness;
import dev.schedlock.sidecar.store.jdbc.LocalPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real sidecar processes on the real local PostgreSQL while it fails: restarted while a sidecar
 * leads, the leader's connections terminated, sidecars started while it is down. In each, a
 * {@link PermitChecker} polls every sidecar: no two valid permits at any instant, a leader again
 * within TTL + retry once the database is back, and {@code /readyz} reporting the outage meanwhile.
 *
 * <p>These tests stop the server that every other test shares; each ends by starting it again
 * whatever happened ({@link PgServer#ensureRunning()}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PostgresFaultIT {

    private static final Duration TTL = PgSidecars.TTL;
    /**
     * TTL + retry (with its jitter of up to 20 %) is the promise; the slack covers the poll interval
     * of the checker, a new connection and a loaded 2-core machine.
     */
    private static final Duration LEADER_AGAIN_WITHIN = TTL.plus(PgSidecars.RETRY.multipliedBy(2))
            .plus(Duration.ofMillis(1500));

    @TempDir
    Path dir;

    private final String schema = LocalPostgres.uniqueName("fault");
    private final List<PgSidecar> sidecars = new ArrayList<>();
    private final List<String> roles = new ArrayList<>();
    private PermitChecker checker;

    @BeforeAll
    static void serverCanBeControlled() throws Exception {
        PgServer.assumeControllable();
    }

    @AfterEach
    void restoreTheServer() throws Exception {
        try {
            if (checker != null) {
                checker.close();
            }
            for (PgSidecar sidecar : sidecars) {
                sidecar.close();
            }
        } finally {
            PgServer.ensureRunning();
            LocalPostgres.dropSchema(schema);
            for (String role : roles) {
                LocalPostgres.execute("DROP OWNED BY " + role + " CASCADE");
                LocalPostgres.execute("DROP ROLE " + role);
            }
        }
    }

    @Test
    void shouldRevokeDuringAnOutageLongerThanTheTtlAndLeadAgainOnceTheServerIsBack() throws Exception {
        startSidecars(2);
        awaitLeader(System.nanoTime(), Duration.ofSeconds(60));

        PgServer.stop();
        long down = System.nanoTime();
        sleepThrough(TTL.plusSeconds(2)); // the outage: longer than the TTL, so every holding expires
        long backFrom = System.nanoTime();
        PgServer.start();
        long up = System.nanoTime();
        Permit next = awaitLeader(up, LEADER_AGAIN_WITHIN);
        sleepThrough(Duration.ofSeconds(2)); // a few more polls of the new holding
        checker.close();

        checker.assertNoOverlap();
        assertThat(checker.permits()).filteredOn(p -> p.fromNanos() - down >= 0 && backFrom - p.fromNanos() >= 0)
                .as("permits asked for while the server was down end within a TTL of the outage")
                .allSatisfy(p -> assertThat(p.untilNanos() - down).isLessThanOrEqualTo(TTL.toNanos()));
        assertThat(next.fromNanos() - up).isLessThanOrEqualTo(LEADER_AGAIN_WITHIN.toNanos());
        for (PgSidecar sidecar : sidecars) {
            assertReportedOutage(sidecar, down, backFrom, "store failing");
        }
    }

    @Test
    void shouldKeepOneHolderAtATimeThroughAQuickRestart() throws Exception {
        startSidecars(2);
        awaitLeader(System.nanoTime(), Duration.ofSeconds(60));

        PgServer.restart();
        long up = System.nanoTime();
        awaitLeader(up, LEADER_AGAIN_WITHIN);
        sleepThrough(Duration.ofSeconds(2)); // a few more polls after the restart
        checker.close();

        checker.assertNoOverlap();
    }

    @Test
    void shouldReconnectAfterTheLeadersBackendIsTerminatedAndFailOverWhileItCannotLogIn() throws Exception {
        migrateAsTestUser();
        List<String> sidecarRoles = List.of(createSidecarRole(), createSidecarRole());
        for (String role : sidecarRoles) {
            sidecars.add(PgSidecar.start(role, dir, Map.of(), PgSidecars.runAs(role, LocalPostgres.URL, schema)));
        }
        checker = new PermitChecker(sidecars);
        Permit first = awaitLeader(System.nanoTime(), Duration.ofSeconds(60));
        String leaderRole = first.sidecar();
        PgSidecar leader = sidecars.get(sidecarRoles.indexOf(leaderRole));

        // 1. One pg_terminate_backend of each of its connections: it reconnects and keeps leading.
        List<Integer> terminated = terminateBackendsOf(leaderRole);
        assertThat(terminated).as("backends of the leader").isNotEmpty();
        long cut = System.nanoTime();
        PgSidecars.await("the leader opens new connections", LEADER_AGAIN_WITHIN, () ->
                backendsOf(leaderRole).stream().anyMatch(pid -> !terminated.contains(pid)));
        Permit again = awaitLeader(cut, LEADER_AGAIN_WITHIN);
        assertThat(again.token()).as("token after the terminate").isGreaterThanOrEqualTo(first.token());

        // 2. Its backends terminated and its role may not log in: the other sidecar takes over.
        LocalPostgres.execute("ALTER ROLE " + leaderRole + " NOLOGIN");
        terminateBackendsOf(leaderRole);
        long locked = System.nanoTime();
        PgSidecars.await("the other sidecar leads", LEADER_AGAIN_WITHIN, () -> checker.permits().stream()
                .anyMatch(p -> p.fromNanos() - locked >= 0 && !p.sidecar().equals(leaderRole)));
        PgSidecars.await("the cut-off sidecar reports it", Duration.ofSeconds(30), () ->
                leader.readyz().contains("not permitted to log in"));
        long unlocked = System.nanoTime();
        LocalPostgres.execute("ALTER ROLE " + leaderRole + " LOGIN");
        PgSidecars.await("the cut-off sidecar is a ready standby again", Duration.ofSeconds(30), () ->
                leader.readyz().startsWith("ready"));
        checker.close();

        checker.assertNoOverlap();
        assertThat(checker.permits()).filteredOn(p -> p.sidecar().equals(leaderRole))
                .as("permits of the cut-off sidecar end within a TTL of the cut")
                .allSatisfy(p -> assertThat(p.untilNanos() - locked).isLessThanOrEqualTo(TTL.toNanos()));
        assertReportedOutage(leader, locked, unlocked, "not permitted to log in");
    }

    @Test
    void shouldElectOneLeaderWhenSidecarsStartWhileTheServerIsDown() throws Exception {
        migrateAsTestUser();
        PgServer.stop();
        long down = System.nanoTime();
        startSidecars(3);
        for (PgSidecar sidecar : sidecars) {
            PgSidecars.await(sidecar + " reports the unreachable server", Duration.ofSeconds(60),
                    () -> sidecar.readyz().contains("cannot reach the server"));
            assertThat(sidecar.status("/healthz").status()).isEqualTo(200);
        }
        // A long outage, so that any back-off between attempts has grown; it ends right after a
        // failed attempt, when the wait until the next one is longest.
        sleepThrough(Duration.ofSeconds(12).minusNanos(System.nanoTime() - down));
        int attempts = failedStarts(sidecars.get(0));
        PgSidecars.await("one more failed attempt", Duration.ofSeconds(60),
                () -> failedStarts(sidecars.get(0)) > attempts);
        assertThat(sidecars).allMatch(PgSidecar::isAlive);
        long backFrom = System.nanoTime();
        PgServer.start();
        long up = System.nanoTime();
        awaitLeader(up, LEADER_AGAIN_WITHIN);
        for (PgSidecar sidecar : sidecars) {
            PgSidecars.await(sidecar + " is ready", Duration.ofSeconds(60),
                    () -> sidecar.readyz().startsWith("ready"));
        }
        checker.close();

        checker.assertNoOverlap();
        assertThat(checker.permits()).extracting(Permit::token).containsOnly(1L);
        for (PgSidecar sidecar : sidecars) {
            assertReportedOutage(sidecar, down, backFrom, "cannot reach the server");
        }
    }

    // ------------------------------------------------------------------ helpers

    private void startSidecars(int count) throws IOException {
        for (int n = 0; n < count; n++) {
            sidecars.add(PgSidecar.start("sidecar-" + n, dir, Map.of(), PgSidecars.run(LocalPostgres.URL, schema)));
        }
        checker = new PermitChecker(sidecars);
    }

    /** The first permit asked for after {@code afterNanos}; fails unless one comes within {@code within}. */
    private Permit awaitLeader(long afterNanos, Duration within) throws InterruptedException {
        PgSidecars.await("a leader", within, () -> checker.firstPermitSentAfter(afterNanos).isPresent());
        return checker.firstPermitSentAfter(afterNanos).orElseThrow();
    }

    private void assertReportedOutage(PgSidecar sidecar, long fromNanos, long toNanos, String reason) {
        List<Readiness> during = checker.readinessOf(sidecar.name(), fromNanos, toNanos);
        assertThat(during).as("%s: /readyz during the outage", sidecar)
                .anySatisfy(r -> {
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.body()).startsWith("not ready").contains(reason);
                })
                .allSatisfy(r -> assertThat(r.body()).as("said once").doesNotContain("store failing: store failing"));
    }

    /** How often the sidecar has said that it could not use the store yet at start-up. */
    private static int failedStarts(PgSidecar sidecar) {
        return sidecar.output().split("store not usable yet", -1).length - 1;
    }


    /** Lets an outage last: the length of the outage is what the test is about, not a wait for a condition. */
    private static void sleepThrough(Duration outage) throws InterruptedException {
        if (!outage.isNegative()) {
            Thread.sleep(outage.toMillis());
        }
    }

    private void migrateAsTestUser() {
        try (var store = LocalPostgres.store(schema)) {
            store.migrate();
        }
    }

    /** A login role with rights on the tables of the (migrated) schema only, dropped after the test. */
    private String createSidecarRole() {
        String role = LocalPostgres.uniqueName("sidecar");
        LocalPostgres.execute("CREATE ROLE " + role + " LOGIN");
        roles.add(role);
        LocalPostgres.execute("GRANT USAGE ON SCHEMA \"" + schema + "\" TO " + role);
        LocalPostgres.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"" + schema + "\" TO "
                + role);
        LocalPostgres.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA \"" + schema + "\" TO " + role);
        return role;
    }

    private static List<Integer> backendsOf(String role) {
        return LocalPostgres.rows(null, "SELECT pid FROM pg_stat_activity WHERE usename = ?", role).stream()
                .map(row -> (Integer) row.get(0)).toList();
    }

    /** {@code pg_terminate_backend} of every connection of {@code role}; returns their pids. */
    private static List<Integer> terminateBackendsOf(String role) {
        // The role is chosen first: in a plain WHERE the server may terminate before it filters.
        return LocalPostgres.rows(null, "WITH chosen AS MATERIALIZED (SELECT pid FROM pg_stat_activity"
                + " WHERE usename = ?) SELECT pid FROM chosen WHERE pg_terminate_backend(pid)", role).stream()
                .map(row -> (Integer) row.get(0)).toList();
    }
}
