package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed and foreign requests to a leading sidecar process, end to end: each is answered 4xx
 * with a JSON error, and none of them touches the lease (same token, same row). One sidecar serves
 * every case; the request shapes one by one are {@code ControlApiIT}'s, in-process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadRequestIT {

    private static final int MIB = 1 << 20;

    private Sidecars sidecars;
    private SidecarProcess sidecar;
    private long token;
    private StoreFile.Row row;

    @BeforeAll
    void startLeader(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        sidecars = new Sidecars(dir);
        sidecar = sidecars.start("pod-a");
        sidecars.awaitLeader(List.of(sidecar));
        token = sidecar.lease().path("fencingToken").asLong();
        row = sidecars.store().row();
    }

    @AfterAll
    void killSidecar() {
        sidecars.close();
    }

    /**
     * A few bad requests through the real process: the control API is wired to the elector, the
     * JDK server's limits apply, and the lease stays. Every request shape is covered in-process by
     * {@code ControlApiIT}.
     */
    @Test
    void shouldAnswerMalformedRequestsWithJsonErrorsAndKeepTheLease() throws Exception {
        SidecarProcess.Reply malformed = SidecarProcess.send(HttpRequest.newBuilder(sidecar.controlUri("/v1/claims"))
                .header("Content-Type", "application/json").POST(BodyPublishers.ofString("{\"client\":")));
        assertThat(malformed.status()).as(malformed.body()).isEqualTo(400);
        assertThat(malformed.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(malformed.json().path("error").asText()).isEqualTo("BAD_REQUEST");

        SidecarProcess.Reply wrongMethod = SidecarProcess.send(HttpRequest.newBuilder(sidecar.controlUri("/v1/lease"))
                .method("PUT", BodyPublishers.noBody()));
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");

        SidecarProcess.Reply huge = SidecarProcess.send(HttpRequest.newBuilder(sidecar.controlUri("/v1/claims"))
                .header("Content-Type", "application/json").POST(BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream("x".repeat(MIB).getBytes(StandardCharsets.UTF_8)))));
        assertThat(huge.status()).as("1 MiB chunked body").isEqualTo(413);
        assertThat(huge.json().path("error").asText()).isEqualTo("BODY_TOO_LARGE");

        RawHttp.Answer foreign = RawHttp.send(sidecar.controlUri(""), RawHttp.request("POST", "/v1/lease/release",
                "{}", "Host: evil.example", "Content-Type: application/json"), Duration.ofSeconds(5));
        assertThat(foreign.status()).as("a request for a host that is not loopback: " + foreign.body()).isEqualTo(421);

        RawHttp.Answer textPlain = RawHttp.send(sidecar.controlUri(""), RawHttp.request("POST", "/v1/lease/release",
                "{}", "Host: 127.0.0.1:" + sidecar.controlUri("").getPort(), "Origin: http://evil.example",
                "Content-Type: text/plain;charset=UTF-8"), Duration.ofSeconds(5));
        assertThat(textPlain.status()).as("a web page's simple POST: " + textPlain.body()).isEqualTo(415);
        assertLeaseUntouched();
    }

    @Test
    void shouldAnswerAnyHostOnTheReadOnlyStatusServer() throws Exception {
        for (String path : List.of("/healthz", "/readyz", "/v1/lease", "/metrics")) {
            RawHttp.Answer answer = RawHttp.send(sidecar.statusUri(""), RawHttp.request("GET", path, null,
                    "Host: pod-a.billing.svc.cluster.local:8471"), Duration.ofSeconds(5));
            assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(200);
        }
    }

    @Test
    void shouldRefuseEveryWriteOnTheStatusServer() throws Exception {
        for (String method : new String[] {"POST", "PUT", "DELETE"}) {
            for (String path : new String[] {"/v1/lease", "/v1/lease/release", "/v1/claims", "/healthz"}) {
                SidecarProcess.Reply reply = SidecarProcess.send(HttpRequest.newBuilder(sidecar.statusUri(path))
                        .method(method, BodyPublishers.ofString("{\"client\":\"worker-1\"}")));
                assertThat(reply.status()).as(method + " " + path + " on the status server").isEqualTo(405);
                assertThat(reply.headers().firstValue("Allow")).hasValue("GET");
                assertThat(reply.json().path("error").asText()).isEqualTo("METHOD_NOT_ALLOWED");
            }
        }
        assertLeaseUntouched();
    }

    @Test
    void shouldNeverGrantAPermitOnTheStatusServer() throws Exception {
        SidecarProcess.Reply reply = sidecar.statusGet("/v1/lease");
        assertThat(reply.status()).isEqualTo(200);
        JsonNode lease = reply.json();
        assertThat(lease.path("leader").asBoolean()).as(lease.toString()).isTrue();
        assertThat(lease.path("fencingToken").asLong()).isEqualTo(token);
        assertThat(lease.path("validForMillis").asLong()).as(lease.toString()).isZero();
    }

    private void assertLeaseUntouched() throws Exception {
        JsonNode lease = sidecar.lease();
        assertThat(lease.path("leader").asBoolean()).as("still leader: " + lease).isTrue();
        assertThat(lease.path("fencingToken").asLong()).as("same token").isEqualTo(token);
        StoreFile.Row now = sidecars.store().row();
        assertThat(now.holderId()).as("holder in the store").isEqualTo(row.holderId());
        assertThat(now.fencingToken()).as("token in the store").isEqualTo(row.fencingToken());
        await().atMost(Sidecars.PATIENCE).until(sidecar::isAlive);
    }
}
