package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedlock.sidecar.store.jdbc.JdbcLeaseStore;
import dev.schedlock.sidecar.store.jdbc.SqliteDialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every view of the lease names the store its fencing token comes from: the control API, the
 * status server, the signal file, {@code status} and {@code history}; the id is the one written in
 * the store's {@code store_identity} table when its schema was created.
 */
class StoreIdentityIT extends WithSidecars {

    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    @Test
    void shouldShowTheStoreIdInEveryViewOfTheLease() throws Exception {
        Path signal = dir.resolve("shared").resolve("lease.json");
        SidecarProcess sidecar = sidecars.start("pod-a", "--signal-file", signal.toString());
        Sidecars.awaitLeading(sidecar);
        String storeId = sidecars.store().storeId();
        assertThat(storeId).matches(UUID);

        assertThat(sidecar.lease().path("storeId").asText()).as("GET /v1/lease").isEqualTo(storeId);
        assertThat(sidecar.statusGet("/v1/lease").json().path("storeId").asText()).as("status server")
                .isEqualTo(storeId);
        JsonNode file = await("the signal file").atMost(Sidecars.PATIENCE).until(() -> readJson(signal),
                n -> n != null && n.path("leader").asBoolean());
        assertThat(file.path("storeId").asText()).as("signal file").isEqualTo(storeId);

        SidecarProcess.Finished status = cli("status");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.out()).contains("fencing token 1").endsWith("store id " + storeId);
        SidecarProcess.Finished json = cli("status", "--output", "json");
        assertThat(SidecarProcess.JSON.readTree(json.out()).path("storeId").asText()).isEqualTo(storeId);
        SidecarProcess.Finished history = cli("history");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.stdout()).first().isEqualTo("store id " + storeId);
        assertThat(sidecar.stderrLines()).anyMatch(l -> l.contains("at schema version 3, store id " + storeId));
    }

    /** A store migrated by an older version gets its id when a sidecar of this version migrates it. */
    @Test
    void shouldGiveAnExistingStoreAnIdWhenItIsMigrated() throws Exception {
        Path file = sidecars.store().path();
        // Schema version 2, as an older sidecar left it, with a free lock at token 7.
        try (JdbcLeaseStore older = new JdbcLeaseStore(new SqliteDialect(file, Duration.ofSeconds(5)))) {
            older.migrateTo(2);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("INSERT INTO scheduler_lock (name, fencing_token) VALUES ('default', 7)");
        }
        SidecarProcess.Finished before = cli("status");
        assertThat(before.out()).contains("free (last fencing token 7)", "store id: none yet");

        SidecarProcess sidecar = sidecars.start("pod-a");
        Sidecars.awaitLeading(sidecar);

        assertThat(sidecars.store().migrations()).containsExactly(1, 2, 3);
        assertThat(sidecar.lease().path("fencingToken").asLong()).as("tokens go on").isEqualTo(8);
        assertThat(sidecar.lease().path("storeId").asText()).matches(UUID).isEqualTo(sidecars.store().storeId());
    }

    private SidecarProcess.Finished cli(String command, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(command, "--store", sidecars.store().url()));
        all.addAll(List.of(args));
        return SidecarProcess.run(command, dir, all);
    }

    private static JsonNode readJson(Path file) {
        try {
            return Files.exists(file) ? SidecarProcess.JSON.readTree(Files.readAllBytes(file)) : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
