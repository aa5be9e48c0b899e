package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
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
