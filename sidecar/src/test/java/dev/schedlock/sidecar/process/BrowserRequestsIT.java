package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a web page can make a browser on the same host send to the control API, written byte for
 * byte on a socket (the JDK client will not send another Host): cross-origin "simple" requests,
 * which need no CORS preflight, and requests after DNS rebinding, which carry the page's own
 * Host. None of them may change the lease. The status server is read-only and reached by pod IP
 * or service name, so it answers any Host.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserRequestsIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String JSON = "Content-Type: application/json";

    private Sidecars sidecars;
    private SidecarProcess sidecar;
    private long token;

    @BeforeAll
    void startLeader(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        sidecars = new Sidecars(dir);
        sidecar = sidecars.start("pod-a");
        sidecars.awaitLeader(List.of(sidecar));
        token = sidecar.lease().path("fencingToken").asLong();
    }

    @AfterAll
    void killSidecar() {
        sidecars.close();
    }

    @Test
    void shouldRefuseACrossOriginTextPlainPostToStepDown() throws Exception {
        // What <form enctype="text/plain" method="post"> or fetch(..., {mode: "no-cors"}) sends.
        RawHttp.Answer answer = control(RawHttp.request("POST", "/v1/lease/release", "{}", host(),
                "Origin: http://evil.example", "Content-Type: text/plain;charset=UTF-8"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(415);
        assertThat(answer.body()).contains("UNSUPPORTED_MEDIA_TYPE").contains("Content-Type: application/json");
        assertThat(answer.headers()).doesNotContainKey("access-control-allow-origin");
        assertLeaseUntouched();
    }

    @Test
    void shouldGrantNoCorsPreflight() throws Exception {
        RawHttp.Answer answer = control(RawHttp.request("OPTIONS", "/v1/lease/release", null, host(),
                "Origin: http://evil.example", "Access-Control-Request-Method: POST",
                "Access-Control-Request-Headers: content-type"));

        assertThat(answer.status()).as(answer.body()).isEqualTo(405);
        assertThat(answer.headers()).doesNotContainKeys("access-control-allow-origin", "access-control-allow-methods",
                "access-control-allow-headers");
        assertLeaseUntouched();
    }

    static Stream<String> foreignHosts() {
        return Stream.of("evil.example", "evil.example:8470", "127.0.0.1.nip.io", "localhost.evil.example",
                "10.0.0.1", "0.0.0.0", "[::2]", "[fe80::1]", "127.0.0.256", "127.1", "");
    }

    @ParameterizedTest(name = "Host: {0}")
    @MethodSource("foreignHosts")
    void shouldRefuseEveryRequestForAHostThatIsNotLoopback(String foreign) throws Exception {
        String host = "Host: " + foreign;
        List<String> requests = List.of(
                RawHttp.request("GET", "/v1/lease", null, host),
                RawHttp.request("GET", "/v1/lease/allowed", null, host),
                RawHttp.request("POST", "/v1/claims", "{\"client\":\"worker-1\"}", host, JSON),
                RawHttp.request("DELETE", "/v1/claims/worker-1", null, host),
                RawHttp.request("POST", "/v1/lease/release", "{}", host, JSON));

        for (String request : requests) {
            RawHttp.Answer answer = control(request);
            assertThat(answer.status()).as(request + "\n" + answer.body()).isEqualTo(421);
            JsonNode error = SidecarProcess.JSON.readTree(answer.body());
            assertThat(error.path("error").asText()).isEqualTo("MISDIRECTED_REQUEST");
            assertThat(error.path("message").asText()).contains("loopback");
            assertThat(answer.body()).as("no permit in a refusal").doesNotContain("validForMillis");
        }
        assertLeaseUntouched();
    }

    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = {"localhost", "LOCALHOST:PORT", "localhost:PORT", "127.0.0.1", "127.0.0.1:PORT", "127.1.2.3:80",
        "[::1]", "[::1]:PORT", "[0:0:0:0:0:0:0:1]:PORT"})
    void shouldAnswerRequestsForALoopbackHost(String loopback) throws Exception {
        String host = "Host: " + loopback.replace("PORT", Integer.toString(sidecar.controlUri("").getPort()));

        RawHttp.Answer answer = control(RawHttp.request("GET", "/v1/lease", null, host));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(SidecarProcess.JSON.readTree(answer.body()).path("validForMillis").asLong()).as("a permit")
                .isPositive();
    }

    @Test
    void shouldAnswerARequestWithoutHostSinceNoBrowserSendsOne() throws Exception {
        RawHttp.Answer answer = RawHttp.send(sidecar.controlUri(""), "GET /v1/lease HTTP/1.0\r\n\r\n", TIMEOUT);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    @Test
    void shouldRefuseSeveralHostHeaders() throws Exception {
        RawHttp.Answer answer = control(RawHttp.request("POST", "/v1/lease/release", "{}", host(),
                "Host: evil.example", JSON));

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertLeaseUntouched();
    }

    @Test
    void shouldAnswerAnyHostOnTheReadOnlyStatusServer() throws Exception {
        for (String path : List.of("/healthz", "/readyz", "/v1/lease", "/metrics")) {
            RawHttp.Answer answer = RawHttp.send(sidecar.statusUri(""), RawHttp.request("GET", path, null,
                    "Host: pod-a.billing.svc.cluster.local:8471"), TIMEOUT);
            assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(200);
        }
    }

    @Test
    void shouldAnswer400ToAContentLengthThatIsNoNumber() throws Exception {
        // The JDK server refuses it before the sidecar sees it (400, its own HTML body); the
        // sidecar's own check (ExchangesTest) covers servers that do not.
        for (String length : List.of("abc", "1x", "99999999999999999999", "-1")) {
            RawHttp.Answer answer = control("POST /v1/claims HTTP/1.1\r\n" + host() + "\r\n" + JSON
                    + "\r\nContent-Length: " + length + "\r\nConnection: close\r\n\r\n{}");
            assertThat(answer.status()).as("Content-Length: " + length + ": " + answer.body()).isEqualTo(400);
        }
        assertLeaseUntouched();
    }

    private String host() {
        return "Host: 127.0.0.1:" + sidecar.controlUri("").getPort();
    }

    private RawHttp.Answer control(String request) throws Exception {
        URI control = sidecar.controlUri("");
        return RawHttp.send(control, request, TIMEOUT);
    }

    private void assertLeaseUntouched() throws Exception {
        JsonNode lease = sidecar.lease();
        assertThat(lease.path("state").asText()).as("still leading: " + lease).isEqualTo("LEADER");
        assertThat(lease.path("fencingToken").asLong()).as("same token").isEqualTo(token);
        assertThat(sidecars.store().row().fencingToken()).as("token in the store").isEqualTo(token);
    }
}
