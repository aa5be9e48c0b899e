package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/history} on the status server: the lock's newest transitions from the store, as
 * the {@code history} command lists them, for tools that reach the pod (kubectl schedlock history).
 */
class StatusHistoryIT extends WithSidecars {

    @Test
    void shouldListTheNewestTransitionsNewestFirstAndRefuseABadLimit() throws Exception {
        SidecarProcess a = sidecars.start("pod-a");
        Sidecars.awaitLeading(a);
        SidecarProcess b = sidecars.start("pod-b");
        assertThat(a.post("/v1/lease/release", "{}").status()).isEqualTo(202);
        await("pod-b leads").atMost(Sidecars.PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> Sidecars.holdsPermit(b));

        SidecarProcess.Reply reply = a.statusGet("/v1/history?limit=3");
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.path("lockName").asText()).isEqualTo("default");
        List<String> seen = new ArrayList<>();
        for (JsonNode t : body.path("transitions")) {
            seen.add(t.path("kind").asText() + " " + t.path("holder").path("pod").asText() + " "
                    + t.path("fencingToken").asLong());
            assertThat(t.path("at").asText()).as("RFC 3339 of atMs").isEqualTo(
                    java.time.Instant.ofEpochMilli(t.path("atMs").asLong()).toString());
        }
        assertThat(seen).containsExactly("acquired pod-b 2", "released pod-a 1", "acquired pod-a 1");
        assertThat(b.statusGet("/v1/history?limit=1").json().path("transitions")).hasSize(1);
        assertThat(b.statusGet("/v1/history").json().path("transitions")).as("default limit 20").hasSize(3);

        for (String bad : List.of("0", "101", "ten", "")) {
            SidecarProcess.Reply refused = a.statusGet("/v1/history?limit=" + bad);
            assertThat(refused.status()).as("limit=" + bad).isEqualTo(400);
            assertThat(refused.json().path("message").asText()).startsWith("limit must be a number from 1 to 100");
        }
    }
}
