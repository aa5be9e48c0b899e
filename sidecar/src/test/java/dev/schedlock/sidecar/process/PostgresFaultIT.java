package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.sidecar.process.PermitChecker.Answer;
import dev.schedlock.sidecar.store.jdbc.LocalPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * whatever happened ({@link PostgresServer#ensureRunning()}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PostgresFaultIT {

    private static final Duration TTL = PostgresSidecars.TTL;
    /**
     * TTL + retry (with its jitter of up to 20 %) is the promise; the slack covers the poll interval
     * of the checker, a new connection and a loaded 2-core machine.
     */
    private static final Duration LEADER_AGAIN_WITHIN = TTL.plus(PostgresSidecars.RETRY.multipliedBy(2))
            .plus(Duration.ofMillis(1500));

    @TempDir
    Path dir;

    private final String schema = LocalPostgres.uniqueName("fault");
    private final List<SidecarProcess> sidecars = new ArrayList<>();
    private final List<String> roles = new ArrayList<>();
    private PermitChecker checker;

    @BeforeAll
    static void serverCanBeControlled() throws Exception {
        PostgresServer.assumeControllable();
    }

    @AfterEach
    void restoreTheServer() throws Exception {
        try {
            if (checker != null) {
                checker.close();
            }
            sidecars.forEach(SidecarProcess::close);
        } finally {
            PostgresServer.ensureRunning();
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
        // Both must be running (migrated, elector started) before the outage: a sidecar still
        // migrating on a loaded machine reports the outage as a failed migration instead.
        for (SidecarProcess sidecar : sidecars) {
            sidecar.awaitListening();
        }

        PostgresServer.stop();
        long down = System.nanoTime();
        // The outage: longer than the TTL, so that every holding expires.
        Map<String, List<String>> readiness = readinessFor(TTL.plusSeconds(2));
        long backFrom = System.nanoTime();
        PostgresServer.start();
        long up = System.nanoTime();
        Answer next = awaitLeader(up, LEADER_AGAIN_WITHIN);
        checker.close();

        assertThat(checker.violations()).as(checker.summary()).isEmpty();
        assertThat(checker.permits()).filteredOn(p -> p.sentNanos() - down >= 0 && backFrom - p.sentNanos() >= 0)
                .as("permits asked for while the server was down end within a TTL of the outage")
                .allSatisfy(p -> assertThat(p.permitEndNanos() - down).isLessThanOrEqualTo(TTL.toNanos()));
        assertThat(next.sentNanos() - up).isLessThanOrEqualTo(LEADER_AGAIN_WITHIN.toNanos());
        assertReportedOutage(readiness, "store failing");
    }

    @Test
    void shouldKeepOneHolderAtATimeThroughAQuickRestart() throws Exception {
        startSidecars(2);
        awaitLeader(System.nanoTime(), Duration.ofSeconds(60));

        PostgresServer.restart();
        long up = System.nanoTime();
        awaitLeader(up, LEADER_AGAIN_WITHIN);
        checker.close();

        assertThat(checker.violations()).as(checker.summary()).isEmpty();
    }

    @Test
    void shouldReconnectAfterTheLeadersBackendIsTerminatedAndFailOverWhileItCannotLogIn() throws Exception {
        migrateAsTestUser();
        List<String> sidecarRoles = List.of(createSidecarRole(), createSidecarRole());
        for (String role : sidecarRoles) {
            sidecars.add(SidecarProcess.start(role, dir, PostgresSidecars.runArgs(role, LocalPostgres.URL, schema)));
        }
        checker = PermitChecker.watching(sidecars);
        Answer first = awaitLeader(System.nanoTime(), Duration.ofSeconds(60));
        String leaderRole = first.sidecar();
        SidecarProcess leader = sidecars.get(sidecarRoles.indexOf(leaderRole));

        // 1. One pg_terminate_backend of each of its connections: it reconnects and keeps leading.
        List<Integer> terminated = terminateBackendsOf(leaderRole);
        assertThat(terminated).as("backends of the leader").isNotEmpty();
        long cut = System.nanoTime();
        await("the leader opens new connections").atMost(LEADER_AGAIN_WITHIN).until(() ->
                backendsOf(leaderRole).stream().anyMatch(pid -> !terminated.contains(pid)));
        Answer again = awaitLeader(cut, LEADER_AGAIN_WITHIN);
        assertThat(again.fencingToken()).as("token after the terminate").isGreaterThanOrEqualTo(first.fencingToken());

        // 2. Its backends terminated and its role may not log in: the other sidecar takes over.
        LocalPostgres.execute("ALTER ROLE " + leaderRole + " NOLOGIN");
        terminateBackendsOf(leaderRole);
        long locked = System.nanoTime();
        await("the other sidecar leads").atMost(LEADER_AGAIN_WITHIN)
                .until(() -> checker.firstPermit(name -> !name.equals(leaderRole), locked).isPresent());
        await("the cut-off sidecar reports it").atMost(Duration.ofSeconds(30))
                .until(() -> PostgresSidecars.readyz(leader).startsWith("not ready: store failing"));
        assertThat(PostgresSidecars.output(leader)).as("the details in its log").contains("not permitted to log in");
        LocalPostgres.execute("ALTER ROLE " + leaderRole + " LOGIN");
        await("the cut-off sidecar is a ready standby again").atMost(Duration.ofSeconds(30))
                .until(() -> PostgresSidecars.readyz(leader).startsWith("ready"));
        checker.close();

        assertThat(checker.violations()).as(checker.summary()).isEmpty();
        assertThat(checker.permits()).filteredOn(p -> p.sidecar().equals(leaderRole))
                .as("permits of the cut-off sidecar end within a TTL of the cut")
                .allSatisfy(p -> assertThat(p.permitEndNanos() - locked).isLessThanOrEqualTo(TTL.toNanos()));
    }

    @Test
    void shouldElectOneLeaderWhenSidecarsStartWhileTheServerIsDown() throws Exception {
        migrateAsTestUser();
        PostgresServer.stop();
        long down = System.nanoTime();
        startSidecars(3);
        for (SidecarProcess sidecar : sidecars) {
            await(sidecar + " reports the unreachable server").atMost(Duration.ofSeconds(60))
                    .until(() -> PostgresSidecars.readyz(sidecar).startsWith("not ready: store unreachable")
                            && PostgresSidecars.output(sidecar).contains("cannot reach the server"));
            assertThat(sidecar.statusGet("/healthz").status()).isEqualTo(200);
        }
        // A long outage, so that any back-off between attempts has grown; it ends right after a
        // failed attempt, when the wait until the next one is longest.
        Map<String, List<String>> readiness = readinessFor(Duration.ofSeconds(12).minusNanos(System.nanoTime() - down));
        int attempts = PostgresSidecars.failedStarts(sidecars.get(0));
        await("one more failed attempt").atMost(Duration.ofSeconds(60))
                .until(() -> PostgresSidecars.failedStarts(sidecars.get(0)) > attempts);
        assertThat(sidecars).allMatch(SidecarProcess::isAlive);
        PostgresServer.start();
        long up = System.nanoTime();
        awaitLeader(up, LEADER_AGAIN_WITHIN);
        for (SidecarProcess sidecar : sidecars) {
            await(sidecar + " is ready").atMost(Duration.ofSeconds(60))
                    .until(() -> PostgresSidecars.readyz(sidecar).startsWith("ready"));
        }
        checker.close();

        assertThat(checker.violations()).as(checker.summary()).isEmpty();
        assertThat(checker.permits()).extracting(Answer::fencingToken).containsOnly(1L);
        assertReportedOutage(readiness, "store unreachable");
    }

    // ------------------------------------------------------------------ helpers

    private void startSidecars(int count) throws IOException {
        for (int n = 0; n < count; n++) {
            sidecars.add(SidecarProcess.start("sidecar-" + n, dir,
                    PostgresSidecars.runArgs(LocalPostgres.USER, LocalPostgres.URL, schema)));
        }
        checker = PermitChecker.watching(sidecars);
    }

    /** The first permit asked for after {@code afterNanos}; fails unless one comes within {@code within}. */
    private Answer awaitLeader(long afterNanos, Duration within) {
        await("a leader").atMost(within).until(() -> checker.firstPermit(name -> true, afterNanos).isPresent());
        return checker.firstPermit(name -> true, afterNanos).orElseThrow();
    }

    /**
     * Asks every sidecar's {@code /readyz} over and over for {@code outage}, the time a fault
     * lasts: what each said, by sidecar.
     */
    private Map<String, List<String>> readinessFor(Duration outage) throws InterruptedException {
        Map<String, List<String>> said = new LinkedHashMap<>();
        long end = System.nanoTime() + outage.toNanos();
        while (System.nanoTime() - end < 0) {
            for (SidecarProcess sidecar : sidecars) {
                said.computeIfAbsent(sidecar.name(), name -> new ArrayList<>()).add(PostgresSidecars.readyz(sidecar));
            }
            Thread.sleep(100); // the pace of a readiness probe, while the fault lasts
        }
        return said;
    }

    private void assertReportedOutage(Map<String, List<String>> readiness, String reason) {
        assertThat(readiness).as("sidecars asked").hasSameSizeAs(sidecars);
        readiness.forEach((sidecar, answers) -> assertThat(answers).as("%s: /readyz during the outage", sidecar)
                .anySatisfy(body -> assertThat(body).startsWith("not ready").contains(reason))
                .allSatisfy(body -> assertThat(body).as("said once").doesNotContain("store failing: store failing")));
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
