package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The signal file for apps without HTTP, the ready file for tools, and JSON logs whose every line
 * names lock, holder and token.
 */
class SignalFileAndLogsIT extends WithSidecars {

    @Test
    void shouldKeepTheSignalFileCurrentAndLogJsonWithLeaseContext() throws Exception {
        Path signal = dir.resolve("shared").resolve("lease.json");
        SidecarProcess sidecar = sidecars.start("pod-a", "--signal-file", signal.toString(), "--log-format", "json");
        Sidecars.awaitLeading(sidecar);
        JsonNode ready = SidecarProcess.JSON.readTree(sidecar.readyFile().toFile());
        assertThat(ready.path("pid").asLong()).isEqualTo(sidecar.pid());
        assertThat("http://" + ready.path("controlAddress").asText() + "/v1/lease")
                .isEqualTo(sidecar.controlUri("/v1/lease").toString());
        assertThat(ready.path("statusPort").asInt()).isEqualTo(sidecar.statusUri("").getPort());

        JsonNode leading = await("signal file says leader").atMost(Sidecars.PATIENCE)
                .until(() -> read(signal), n -> n != null && n.path("leader").asBoolean());
        assertThat(leading.path("fencingToken").asLong()).isEqualTo(1);
        assertThat(leading.path("validForMillis").asLong()).isPositive()
                .isLessThanOrEqualTo(Sidecars.PERMIT_TTL.toMillis());
        assertThat(leading.path("validUntil").asLong()).as("wall-clock end of the file's permit")
                .isGreaterThan(System.currentTimeMillis() - Sidecars.PERMIT_TTL.toMillis())
                .isLessThanOrEqualTo(System.currentTimeMillis() + Sidecars.PERMIT_TTL.toMillis());
        assertThat(leading.path("holder").path("pod").asText()).isEqualTo("pod-a");

        // Rewritten on every renewal: validUntil moves forward while the lease is held.
        long firstValidUntil = leading.path("validUntil").asLong();
        await("signal file renewed").atMost(Sidecars.PATIENCE)
                .until(() -> read(signal), n -> n != null && n.path("validUntil").asLong() > firstValidUntil);
        assertThat(Files.list(signal.getParent()).map(p -> p.getFileName().toString()).toList())
                .as("only the file itself is left; temp files are renamed over it").containsExactly("lease.json");

        sidecar.sigterm();
        assertThat(sidecar.awaitExit(Sidecars.PATIENCE)).isZero();
        assertThat(sidecar.readyFile()).as("the ready file is removed at stop").doesNotExist();
        JsonNode last = read(signal);
        assertThat(last.path("leader").asBoolean()).as("final state after SIGTERM: %s", last).isFalse();
        assertThat(last.path("validForMillis").asLong()).isZero();
        assertThat(last.path("validUntil").asLong()).isZero();

        List<String> lines = sidecar.stderrLines();
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            JsonNode json = SidecarProcess.JSON.readTree(line);
            assertThat(json.has("timestamp") && json.has("level") && json.has("formattedMessage")).as(line).isTrue();
            JsonNode mdc = json.path("mdc");
            assertThat(mdc.path("lock").asText()).as(line).isEqualTo("default");
            assertThat(mdc.path("holder").asText()).as(line).startsWith("pod-a/");
            assertThat(mdc.has("token")).as(line).isTrue();
            assertThat(json.path("formattedMessage").asText()).as("the fields are not repeated in the message: " + line)
                    .doesNotContain("lock=", "holder=", "token=");
        }
        assertThat(lines).as("the leader's lines carry its token and the store id").anyMatch(l -> l.contains("LEADER")
                && l.contains("\"token\":\"1\"") && l.contains("\"storeId\":\""));
    }

    private static JsonNode read(Path file) {
        try {
            return Files.exists(file) ? SidecarProcess.JSON.readTree(Files.readAllBytes(file)) : null;
        } catch (java.io.IOException e) {
            return null; // never half-written (atomic rename), but it may not exist yet
        }
    }
}
