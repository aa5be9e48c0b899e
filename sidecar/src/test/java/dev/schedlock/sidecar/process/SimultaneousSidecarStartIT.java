package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Three sidecars start at the same instant on one empty store file. */
class SimultaneousSidecarStartIT extends WithSidecars {

    @Test
    void shouldElectExactlyOneLeaderAndCreateTheSchemaOnceWhenThreeStartOnOneEmptyFile() throws Exception {
        List<SidecarProcess> all = sidecars.startAll("pod-a", "pod-b", "pod-c");
        List<JsonNode> round;
        try (PermitChecker checker = PermitChecker.watching(all)) {
            SidecarProcess leader = sidecars.awaitLeader(all);
            String leaderId = leader.lease().path("holder").path("id").asText();

            // Every standby has looked at the row: it names the leader and has no permit.
            await("the standbys name " + leader).atMost(Sidecars.PATIENCE)
                    .until(() -> Sidecars.others(all, leader).stream().allMatch(p -> Sidecars.tryLease(p)
                            .filter(l -> l.path("state").asText().equals("STANDBY"))
                            .filter(l -> l.path("holder").path("id").asText().equals(leaderId))
                            .isPresent()));
            round = new ArrayList<>();
            for (SidecarProcess p : all) {
                round.add(p.lease());
            }
            checker.close();
            assertThat(checker.violations()).as(checker.summary()).isEmpty();
        }

        List<JsonNode> leaders = round.stream()
                .filter(l -> l.path("leader").asBoolean() && l.path("validForMillis").asLong() > 0).toList();
        assertThat(leaders).as("answers with leader=true and a permit, of " + round).hasSize(1);
        String holder = leaders.get(0).path("holder").path("id").asText();
        assertThat(round).as("every sidecar names the same holder")
                .allSatisfy(l -> assertThat(l.path("holder").path("id").asText()).isEqualTo(holder));
        assertThat(round.stream().filter(l -> l.path("state").asText().equals("STANDBY")
                && !l.path("leader").asBoolean() && l.path("validForMillis").asLong() == 0))
                .as("STANDBY answers without a permit").hasSize(2);

        StoreFile store = sidecars.store();
        assertThat(store.migrations()).as("schema versions applied").containsExactly(1, 2, 3);
        assertThat(store.history()).as("one acquisition in all")
                .singleElement().satisfies(t -> {
                    assertThat(t.kind()).isEqualTo("acquired");
                    assertThat(t.fencingToken()).isEqualTo(1);
                });
        assertThat(store.row().fencingToken()).isEqualTo(1);
        for (SidecarProcess p : all) {
            assertThat(p.stderrLines()).as(p.name() + " migrated or found the schema")
                    .anyMatch(l -> l.contains("at schema version 3"));
        }
        assertThat(sidecars.warnings()).as("warnings and errors in the logs").isEmpty();
    }
}
