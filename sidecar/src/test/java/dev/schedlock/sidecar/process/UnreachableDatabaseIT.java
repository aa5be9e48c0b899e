package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.sidecar.store.jdbc.LocalPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar whose database does not answer (a closed port) keeps running and retrying: live,
 * not ready, saying why, and it still stops at once on SIGTERM. Nothing here touches the real
 * server.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class UnreachableDatabaseIT {

    /** Port 1 on the loopback: nothing listens there, so every connection is refused at once. */
    private static final String CLOSED_PORT_URL = "jdbc:postgresql://127.0.0.1:1/test";

    @TempDir
    Path dir;

    @Test
    void shouldStayAliveAndNotReadyNamingTheProblemWhileTheDatabaseIsUnreachable() throws Exception {
        try (SidecarProcess sidecar = SidecarProcess.start("unreachable", dir, PostgresSidecars.runArgs(
                LocalPostgres.USER, CLOSED_PORT_URL, LocalPostgres.uniqueName("unreachable")))) {
            await("three failed attempts").atMost(Duration.ofSeconds(60))
                    .until(() -> PostgresSidecars.failedStarts(sidecar) >= 3);

            SidecarProcess.Reply ready = sidecar.statusGet("/readyz");
            assertThat(ready.status()).isEqualTo(503);
            // The kind of problem on the pod IP; the server's address and the driver's message only in the log.
            assertThat(ready.body()).isEqualTo("not ready: store unreachable (details in the sidecar log)\n");
            assertThat(ready.body()).doesNotContain("127.0.0.1:1").doesNotContain("postgresql").doesNotContain("test");
            assertThat(PostgresSidecars.output(sidecar)).contains("postgresql://127.0.0.1:1/test")
                    .contains("cannot reach the server").contains("Connection to 127.0.0.1:1 refused");
            assertThat(sidecar.statusGet("/healthz").status()).isEqualTo(200);
            assertThat(sidecar.statusGet("/metrics").status()).isEqualTo(200);
            SidecarProcess.Reply lease = sidecar.statusGet("/v1/lease");
            assertThat(lease.status()).isEqualTo(503);
            assertThat(lease.json().path("state").asText()).isEqualTo("STARTING");
            assertThat(lease.json().path("validForMillis").asLong()).isZero();
            assertThat(sidecar.isListening()).as("control API before the store is usable").isFalse();
            assertThat(sidecar.isAlive()).isTrue();

            sidecar.sigterm();

            assertThat(sidecar.awaitExit(Duration.ofSeconds(10))).as("exit code after SIGTERM").isZero();
            assertThat(PostgresSidecars.output(sidecar)).doesNotContain("Exception in thread");
        }
    }
}
