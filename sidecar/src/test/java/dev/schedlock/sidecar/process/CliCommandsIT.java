package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one-shot commands of the jar ({@code status}, {@code history}, {@code migrate}, {@code release}) on a real file. */
class CliCommandsIT extends WithSidecars {

    @Test
    void shouldMigrateAnEmptyFileOnceAndThenFindItUpToDate() throws Exception {
        SidecarProcess.Finished first = cli("migrate");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("schema version 3 (was 0)");

        SidecarProcess.Finished again = cli("migrate");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("schema version 3 (already up to date)");
        assertThat(sidecars.store().migrations()).containsExactly(1, 2, 3);

        SidecarProcess.Finished status = cli("status");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).contains("never acquired");
    }

    @Test
    void shouldRefuseToReadAStoreFileThatDoesNotExistWithoutCreatingIt() throws Exception {
        for (String command : List.of("status", "history", "release")) {
            SidecarProcess.Finished run = cli(command);
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
            assertThat(run.err()).contains("no SQLite database at " + sidecars.store().path(), "nothing was created");
            assertThat(sidecars.store().path()).as(command + " must not create the file").doesNotExist();
        }
    }

    @Test
    void shouldShowTheHolderTokenAndHeartbeatAndLaterTheExpiryOfAKilledLeader() throws Exception {
        SidecarProcess leader = sidecars.start("pod-a");
        sidecars.awaitLeader(List.of(leader));
        String holderId = leader.lease().path("holder").path("id").asText();
        long token = leader.lease().path("fencingToken").asLong();

        SidecarProcess.Finished held = cli("status");
        assertThat(held.exitCode()).as(held.toString()).isZero();
        assertThat(held.out()).contains("held by " + holderId, "pod pod-a", "fencing token " + token, "heartbeat ",
                "valid for ").doesNotContain("EXPIRED");
        JsonNode heldJson = json(cli("status", "--output", "json"));
        assertThat(heldJson.path("status").asText()).isEqualTo("held");
        assertThat(heldJson.path("expired").asBoolean()).isFalse();
        assertThat(heldJson.path("fencingToken").asLong()).isEqualTo(token);
        assertThat(heldJson.path("heartbeatAgeMillis").asLong()).isBetween(0L, Sidecars.TTL.toMillis());

        SidecarProcess.Finished history = cli("history");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.out()).containsPattern("acquired\\s+" + token + "\\s+" + holderId);

        leader.kill9();
        StoreFile.Row dead = sidecars.store().row();
        await("the dead holding's TTL runs out").atMost(Sidecars.PATIENCE)
                .until(() -> System.currentTimeMillis() > dead.heartbeatAtMs() + dead.ttlMs() + 50);

        SidecarProcess.Finished expired = cli("status");
        assertThat(expired.exitCode()).as(expired.toString()).isZero();
        assertThat(expired.out()).contains("held by " + holderId, "EXPIRED");
        JsonNode expiredJson = json(cli("status", "--output", "json"));
        assertThat(expiredJson.path("status").asText()).isEqualTo("expired");
        assertThat(expiredJson.path("expired").asBoolean()).isTrue();
    }

    @Test
    void shouldRefuseReleaseWithoutForceAndClearTheHolderButKeepTheTokenWithForce() throws Exception {
        SidecarProcess leader = sidecars.start("pod-a");
        sidecars.awaitLeader(List.of(leader));
        long token = leader.lease().path("fencingToken").asLong();
        StoreFile.Row before = sidecars.store().row();

        SidecarProcess.Finished refused = cli("release");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err()).contains("--force");
        StoreFile.Row after = sidecars.store().row();
        assertThat(after.holderId()).as("holder after release without --force").isEqualTo(before.holderId());
        assertThat(after.fencingToken()).isEqualTo(before.fencingToken());
        assertThat(leader.lease().path("fencingToken").asLong()).isEqualTo(token);

        leader.kill9(); // break-glass is for a holder known to be dead
        SidecarProcess.Finished forced = cli("release", "--force");
        assertThat(forced.exitCode()).as(forced.toString()).isZero();
        assertThat(forced.out()).contains("cleared holder " + before.holderId());
        StoreFile.Row cleared = sidecars.store().row();
        assertThat(cleared.holderId()).as("holder after release --force").isNull();
        assertThat(cleared.fencingToken()).as("token after release --force").isEqualTo(token);
        assertThat(cli("status").out()).contains("free (last fencing token " + token + ")");
        assertThat(cli("history").out()).contains("force_released");

        // Freed, not expired: the next sidecar leads at once, with the next token.
        SidecarProcess next = sidecars.start("pod-b");
        sidecars.awaitLeader(List.of(next));
        assertThat(next.lease().path("fencingToken").asLong()).isEqualTo(token + 1);
    }

    @Test
    void shouldRefuseABadLockNameInEveryOneShotCommandBeforeOpeningTheStore() throws Exception {
        Path fresh = dir.resolve("fresh.db");
        for (String bad : List.of("a/b", "x\ny", "\u001b[2J", "n".repeat(129))) {
            SidecarProcess.Finished migrate = SidecarProcess.run("migrate", dir,
                    List.of("migrate", "--store", "jdbc:sqlite:" + fresh, "--lock-name", bad));
            assertThat(migrate.exitCode()).as(migrate.toString()).isEqualTo(2);
            assertThat(migrate.err()).startsWith("schedlock: lock-name '").contains("is not valid");
            assertThat(fresh).as("migrate with a bad lock name must not create the store").doesNotExist();
        }
        assertThat(cli("migrate").exitCode()).isZero();
        for (String command : List.of("status", "history", "release")) {
            for (String bad : List.of("a/b", "x\ny", "n".repeat(129))) {
                SidecarProcess.Finished run = command.equals("release")
                        ? cli(command, "--lock-name", bad, "--force") : cli(command, "--lock-name", bad);
                assertThat(run.exitCode()).as(command + ": " + run).isEqualTo(2);
                assertThat(run.stderr()).as(command).singleElement().asString()
                        .startsWith("schedlock: lock-name '").contains("is not valid", "1-128");
                assertThat(run.out()).as(command).isEmpty();
            }
        }
    }

    @Test
    void shouldRefuseAReasonThatWouldForgeAHistoryLineAndKeepTheHolder() throws Exception {
        SidecarProcess leader = sidecars.start("pod-a");
        sidecars.awaitLeader(List.of(leader));
        leader.kill9();
        StoreFile.Row before = sidecars.store().row();

        for (String reason : List.of("node lost\n2026-01-01T00:00:00Z  acquired  99  forged", "esc \u001b[2J",
                "r".repeat(257), " ")) {
            SidecarProcess.Finished run = cli("release", "--force", "--reason", reason);
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
            assertThat(run.err()).startsWith("schedlock: --reason ").contains("1-256 printable characters");
            assertThat(sidecars.store().row().holderId()).as("holder after a refused release")
                    .isEqualTo(before.holderId());
        }
        SidecarProcess.Finished accepted = cli("release", "--force", "--reason", "node lost – ticket 4711");
        assertThat(accepted.exitCode()).as(accepted.toString()).isZero();
        assertThat(cli("history").out()).contains("(node lost – ticket 4711)");
    }

    /**
     * Rows written by an older version or another tool may hold anything: {@code status} and
     * {@code history} print them escaped, one line per value.
     */
    @Test
    void shouldEscapeControlCharactersOfStoredRowsInStatusHistoryAndTheLog() throws Exception {
        assertThat(cli("migrate").exitCode()).isZero();
        String forgedId = "evil\n2026-01-01T00:00:00.000Z  acquired           99  pod-z/uid/000000 \u001b[2J";
        String forgedReason = "ok)\n2026-01-01T00:00:00.000Z  released  \u001b]0;title\u0007";
        long now = System.currentTimeMillis();
        try (Connection c = DriverManager.getConnection(sidecars.store().url())) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO scheduler_lock (name, holder_id, holder_host,"
                    + " holder_pid, holder_pod, fencing_token, acquired_at, heartbeat_at, ttl_ms)"
                    + " VALUES ('default', ?, ?, 1, ?, 5, ?, ?, 60000)")) {
                ps.setString(1, forgedId);
                ps.setString(2, "host\rX");
                ps.setString(3, "pod\u202eZ");
                ps.setLong(4, now);
                ps.setLong(5, now);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO scheduler_lock_history (lock_name, kind,"
                    + " holder_id, holder_pod, holder_host, fencing_token, at_ms, reason)"
                    + " VALUES ('default', 'acquired', ?, 'pod', 'host', 5, ?, ?)")) {
                ps.setString(1, forgedId);
                ps.setLong(2, now);
                ps.setString(3, forgedReason);
                ps.executeUpdate();
            }
        }

        SidecarProcess.Finished history = cli("history");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.stdout()).as("store id, header and one transition").hasSize(3);
        assertThat(history.out()).doesNotContain("\u001b", "\u0007", "\r")
                .contains("evil\\n2026-01-01T00:00:00.000Z", "\\x1b[2J", "(ok)\\n2026", "\\x1b]0;title\\x07");

        SidecarProcess.Finished status = cli("status");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).as("lines of status, the store id last").hasSize(6);
        assertThat(status.out()).doesNotContain("\u001b", "\r", "\u202e")
                .contains("held by evil\\n2026", "pod pod\\u202eZ, host host\\rX");
        assertThat(json(cli("status", "--output", "json")).path("holderId").asText())
                .as("JSON keeps the value; JSON escapes it").isEqualTo(forgedId);
    }

    /** Without --pod-name the host name is the pod name: made to fit, whatever the machine says. */
    @Test
    void shouldMakeAHostNameWithControlCharactersFitAsPodName() throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--store", sidecars.store().url(),
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
        args.addAll(Sidecars.FAST_TIMING);
        try (SidecarProcess p = SidecarProcess.start("host", dir, args,
                Map.of("HOSTNAME", "Evil\nhost/x\u001b[2J", "POD_NAME", ""))) {
            p.awaitListening();
            await("it leads").atMost(Sidecars.PATIENCE).until(() -> sidecars.store().row("default").isPresent());
            StoreFile.Row row = sidecars.store().row();
            assertThat(row.holderPod()).isEqualTo("Evil-host-x-2J");
            assertThat(row.holderId()).startsWith("Evil-host-x-2J/");
            assertThat(cli("status").out()).contains("pod Evil-host-x-2J, host Evil-host-x-2J");
        }
    }

    private SidecarProcess.Finished cli(String command, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(command, "--store", sidecars.store().url()));
        all.addAll(List.of(args));
        return SidecarProcess.run(command, dir, all);
    }

    private static JsonNode json(SidecarProcess.Finished run) throws Exception {
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return SidecarProcess.JSON.readTree(run.out());
    }
}
