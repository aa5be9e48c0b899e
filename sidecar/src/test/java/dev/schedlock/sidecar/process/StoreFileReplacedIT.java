package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SQLite file deleted or replaced under a leading sidecar. Before, the leader went on renewing
 * the unlinked file for good, while a second sidecar created a new one at the path and led with
 * token 1 as well. Now the leader notices at its next store operation, revokes at once and says
 * why; the new file is a new store (a new store id), whose token 1 a guarded write can tell apart.
 */
class StoreFileReplacedIT extends WithSidecars {

    /**
     * The scenario. The old leader must notice the deletion at its next renewal, revoke at
     * once (long before its local deadline), say why, and never create the file again. A sidecar
     * that starts then creates a new store with a new id, and the old one follows it.
     *
     * <p>The new sidecar starts once the old leader's last permit has run out: a new file knows
     * nothing of the old holding, so a sidecar that creates it earlier can lead while an old permit
     * is still valid. That window (at most a heartbeat and a permit TTL after the deletion, while the
     * old leader runs) is a documented limit (docs/lease-protocol.md, "Store identity"); the two
     * stores' tokens are told apart by the store id.
     */
    @Test
    void shouldRevokeTheLeaderAtOnceWhenTheFileIsDeletedAndThenFollowTheNewFileOfANewSidecar() throws Exception {
        SidecarProcess old = sidecars.start("pod-c");
        Sidecars.awaitLeading(old);
        String oldStore = old.lease().path("storeId").asText();
        assertThat(oldStore).isEqualTo(sidecars.store().storeId());
        Path file = sidecars.store().path();
        try (PermitChecker checker = PermitChecker.watching(List.of(old))) {
            await("permits of " + old).atMost(Sidecars.PATIENCE).until(() -> !checker.permits().isEmpty());

            long deletedNanos = System.nanoTime();
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(Path.of(file + suffix));
            }
            await("the old leader revokes").atMost(Sidecars.PATIENCE).pollInterval(Duration.ofMillis(10))
                    .until(() -> !Sidecars.tryLease(old).map(l -> l.path("leader").asBoolean()).orElse(true));
            Duration revokedAfter = Duration.ofNanos(System.nanoTime() - deletedNanos);
            SidecarProcess.Reply notReady = old.statusGet("/readyz");
            assertThat(notReady.status()).isEqualTo(503);
            // The kind of problem on the pod IP; the path only in the log.
            assertThat(notReady.body()).startsWith("not ready: store ").endsWith("(details in the sidecar log)\n")
                    .doesNotContain(file.toString());
            assertThat(String.join("\n", old.stderrLines())).contains(file + " was deleted");
            assertThat(revokedAfter).as("revoked at the next renewal, not at the local deadline")
                    .isLessThan(Sidecars.TTL);

            long lastOldPermitEnds = checker.permits().stream().mapToLong(PermitChecker.Answer::permitEndNanos)
                    .max().orElseThrow();
            await("the old leader's last permit runs out").atMost(Sidecars.PATIENCE)
                    .until(() -> System.nanoTime() - lastOldPermitEnds > 0);
            assertThat(file).as("created again by the running sidecar").doesNotExist();

            SidecarProcess next = sidecars.start("pod-d");
            checker.watch(next);
            Sidecars.awaitLeading(next);
            JsonNode newLease = next.lease();
            String newStore = newLease.path("storeId").asText();
            assertThat(newLease.path("fencingToken").asLong()).as("token of the new store").isEqualTo(1);
            assertThat(newStore).as("the new file's store id").isNotEqualTo(oldStore)
                    .isEqualTo(sidecars.store().storeId());
            await(old + " stands by under the new store").atMost(Sidecars.PATIENCE).until(() -> Sidecars.tryLease(old)
                    .filter(l -> l.path("state").asText().equals("STANDBY"))
                    .filter(l -> l.path("storeId").asText().equals(newStore))
                    .filter(l -> l.path("holder").path("pod").asText().equals("pod-d")).isPresent());
            assertThat(old.statusGet("/readyz").body()).isEqualTo("ready: standby\n");
            await("permits of " + next).atMost(Sidecars.PATIENCE)
                    .until(() -> checker.permits().stream().anyMatch(p -> p.sidecar().equals(next.name())));

            checker.close();
            System.out.printf("file deleted under the leader: revoked after %d ms; %s; /readyz said %s%n",
                    revokedAfter.toMillis(), checker.summary(), notReady.body());
            assertThat(checker.violations()).as(checker.summary()).isEmpty();
            assertThat(checker.permits()).as("permits of both stores").extracting(PermitChecker.Answer::storeId)
                    .contains(oldStore, newStore);
        }
        assertThat(old.stderrLines()).anyMatch(l -> l.contains(" WARN ") && l.contains("revoked at once, the store"
                + " was replaced") && l.contains(file + " was deleted"));
        assertThat(old.stderrLines()).anyMatch(l -> l.contains(" WARN ") && l.contains("store id changed from "
                + oldStore));
    }

    /**
     * A copy of the same store renamed over the file, the old -wal and -shm removed (a backup put
     * back with care, say): still a new file.
     * The leader revokes at once and takes its holding back from the copy with a new token; the
     * standby follows the new file too.
     */
    @Test
    void shouldRevokeAtOnceWhenACopyIsRenamedOverTheFileAndGoOnInTheCopy() throws Exception {
        List<SidecarProcess> all = sidecars.startAll("pod-a", "pod-b");
        try (PermitChecker checker = PermitChecker.watching(all)) {
            SidecarProcess leader = sidecars.awaitLeader(all);
            long token = leader.lease().path("fencingToken").asLong();
            String store = leader.lease().path("storeId").asText();

            Path file = sidecars.store().path();
            Path copy = dir.resolve("copy.db");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
                st.execute("VACUUM INTO '" + copy + "'");
            }
            long replacedNanos = System.nanoTime();
            Files.move(copy, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // The old file's -wal must not be paired with the copy (SQLite would read it into the copy).
            Files.delete(Path.of(file + "-wal"));
            Files.delete(Path.of(file + "-shm"));

            SidecarProcess next = await("a leader with a new token in the copy").atMost(Sidecars.PATIENCE)
                    .until(() -> all.stream().filter(p -> Sidecars.tryLease(p)
                            .filter(l -> l.path("validForMillis").asLong() > 0)
                            .filter(l -> l.path("fencingToken").asLong() > token).isPresent()).findFirst(),
                            java.util.Optional::isPresent).orElseThrow();
            assertThat(next.lease().path("storeId").asText()).as("a copy keeps its store's id").isEqualTo(store);
            String nextName = next.name();
            await("the checker sees the new holding").atMost(Sidecars.PATIENCE)
                    .until(() -> checker.permits().stream().anyMatch(p -> p.sidecar().equals(nextName)
                            && p.fencingToken() > token && p.sentNanos() - replacedNanos > 0));

            checker.close();
            System.out.println("copy renamed over the file: " + checker.summary());
            assertThat(checker.violations()).as(checker.summary()).isEmpty();
        }
        assertThat(sidecars.store().row().fencingToken()).isGreaterThan(1);
        for (SidecarProcess p : all) {
            assertThat(p.stderrLines()).as(p.name()).anyMatch(l -> l.contains(file() + " was replaced"));
        }
    }

    private Path file() {
        return sidecars.store().path();
    }
}
