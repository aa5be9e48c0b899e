package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the status server shows to anyone who reaches the pod IP, and how it answers HEAD.
 */
class StatusServerIT extends WithSidecars {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String POD_UID = "5d0c1f7e-8a3b-4c2d-9e6f-0a1b2c3d4e5f";

    @Test
    void shouldAnswerHeadWithHeadersOnlyAndLogNoWarning() throws Exception {
        SidecarProcess sidecar = sidecars.start("pod-a");
        Sidecars.awaitLeading(sidecar);
        URI status = sidecar.statusUri("");

        for (String path : List.of("/healthz", "/readyz", "/metrics", "/v1/lease", "/nowhere")) {
            RawHttp.Answer get = RawHttp.send(status, RawHttp.request("GET", path, null, "Host: pod-a"), TIMEOUT);
            RawHttp.Answer head = RawHttp.send(status, RawHttp.request("HEAD", path, null, "Host: pod-a"), TIMEOUT);
            assertThat(head.status()).as("HEAD " + path).isEqualTo(get.status());
            assertThat(head.headers().get("content-type")).as("HEAD " + path).isEqualTo(get.headers().get("content-type"));
            assertThat(head.body()).as("HEAD %s has no body", path).isEmpty();
            if (!path.equals("/metrics")) { // the metrics change between the two requests
                assertThat(head.headers().get("content-length")).as("HEAD " + path)
                        .isEqualTo(Integer.toString(get.body().length()));
            }
        }
        RawHttp.Answer control = RawHttp.send(sidecar.controlUri(""), RawHttp.request("HEAD", "/v1/lease", null,
                "Host: 127.0.0.1"), TIMEOUT);
        assertThat(control.status()).as("HEAD on the control API").isEqualTo(405);
        assertThat(control.body()).isEmpty();

        // A line the sidecar logs after those answers: every warning of theirs would be in the log before it.
        assertThat(sidecar.post("/v1/lease/release", "{}").status()).isEqualTo(202);
        await("the step-down is logged").atMost(Sidecars.PATIENCE)
                .until(() -> sidecar.stderrLines().stream().anyMatch(l -> l.contains("LEADER -> RELEASING")));
        assertThat(sidecar.stderrLines()).as("the sidecar's log")
                .noneMatch(l -> l.contains("WARN") && (l.contains("httpserver") || l.contains("HEAD")));
    }

    @Test
    void shouldSayWhyItIsNotReadyWithoutTheStorePathOrThePodUid() throws Exception {
        SidecarProcess sidecar = sidecars.start("pod-a", "--pod-uid", POD_UID);
        Sidecars.awaitLeading(sidecar);
        String path = dir.resolve("lease.db").toString();

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + path);
             Statement st = c.createStatement()) {
            st.execute("BEGIN EXCLUSIVE"); // no store write succeeds while this lasts: renewals fail
            await("/readyz says not ready").atMost(Sidecars.PATIENCE).pollInterval(Duration.ofMillis(100))
                    .until(() -> sidecar.statusGet("/readyz").status() == 503);

            // Meanwhile every acquire attempt fails too, each with a message that names the file.
            List<String> said = new ArrayList<>();
            await("/readyz while the store fails").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> sidecar.statusGet("/readyz"), r -> said.add(r.body()) && r.status() == 503);
            assertThat(said).as("every /readyz answer").allSatisfy(body -> {
                // The kind of failure: the renewal's deadline passed, then each acquire attempt failed.
                assertThat(body).isIn("not ready: local deadline passed without a successful renewal"
                        + " (details in the sidecar log)\n", "not ready: store failing (details in the sidecar log)\n");
                for (String secret : List.of(path, "lease.db", "sqlite:", POD_UID)) {
                    assertThat(body).as("/readyz on the pod IP").doesNotContain(secret);
                }
            });
            assertThat(String.join("\n", sidecar.stderrLines())).as("the details are in the log").contains(path);
            st.execute("COMMIT");
        }
        await("ready again").atMost(Sidecars.PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> sidecar.statusGet("/readyz").body().startsWith("ready"));
    }
}
