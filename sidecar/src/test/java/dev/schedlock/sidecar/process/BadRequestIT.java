package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed requests to a leading sidecar: each is answered 4xx with a JSON error, and none of
 * them touches the lease (same token, same row). One sidecar serves every case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadRequestIT {

    private static final int MIB = 1 << 20;

    /**
     * One bad request and the answer it must get; {@code allow} is the expected Allow header of a
     * 405. POSTs say {@code Content-Type: application/json} unless {@code headers} say otherwise
     * (an empty value: no Content-Type).
     */
    record BadRequest(String name, String method, String path, String body, boolean chunked, Map<String, String> headers,
                      int status, String allow) {

        static BadRequest of(String name, String method, String path, String body, int status) {
            return new BadRequest(name, method, path, body, false, Map.of(), status, null);
        }

        static BadRequest withHeader(String name, String method, String path, String header, String value,
                                     String body, int status) {
            return new BadRequest(name, method, path, body, false, Map.of(header, value), status, null);
        }

        static BadRequest wrongMethod(String method, String path, String allow) {
            return new BadRequest(method + " " + path, method, path, null, false, Map.of(), 405, allow);
        }

        static BadRequest huge(String path, boolean chunked) {
            return new BadRequest("1 MiB " + (chunked ? "chunked " : "") + "body to " + path, "POST", path,
                    "x".repeat(MIB), chunked, Map.of(), 413, null);
        }

        HttpRequest.Builder request(URI uri) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method, publisher());
            Map<String, String> all = new HashMap<>(headers);
            if (method.equals("POST")) {
                all.putIfAbsent("Content-Type", "application/json");
            }
            all.forEach((header, value) -> {
                if (!value.isEmpty()) {
                    request.header(header, value);
                }
            });
            return request;
        }

        BodyPublisher publisher() {
            if (body == null) {
                return BodyPublishers.noBody();
            }
            if (chunked) {
                return BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
            }
            return BodyPublishers.ofString(body);
        }

        @Override
        public String toString() {
            return name;
        }
    }

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

    static Stream<BadRequest> badRequests() {
        return Stream.of(
                BadRequest.of("malformed JSON", "POST", "/v1/claims", "{\"client\":", 400),
                BadRequest.of("empty body", "POST", "/v1/claims", "", 400),
                BadRequest.of("JSON array", "POST", "/v1/claims", "[\"worker-1\"]", 400),
                BadRequest.of("JSON null", "POST", "/v1/claims", "null", 400),
                BadRequest.of("missing client", "POST", "/v1/claims", "{\"name\":\"worker-1\"}", 400),
                BadRequest.of("numeric client", "POST", "/v1/claims", "{\"client\":42}", 400),
                BadRequest.of("null client", "POST", "/v1/claims", "{\"client\":null}", 400),
                BadRequest.of("object client", "POST", "/v1/claims", "{\"client\":{\"id\":\"w\"}}", 400),
                BadRequest.of("empty client", "POST", "/v1/claims", "{\"client\":\"\"}", 400),
                BadRequest.of("client starting with a dash", "POST", "/v1/claims", "{\"client\":\"-w\"}", 400),
                BadRequest.of("client with a space", "POST", "/v1/claims", "{\"client\":\"worker 1\"}", 400),
                BadRequest.of("client with a slash", "POST", "/v1/claims", "{\"client\":\"../w\"}", 400),
                BadRequest.of("non-ASCII client", "POST", "/v1/claims", "{\"client\":\"w\u00f6rker\"}", 400),
                BadRequest.of("client of 129 characters", "POST", "/v1/claims",
                        "{\"client\":\"" + "w".repeat(129) + "\"}", 400),
                BadRequest.of("JSON with trailing junk", "POST", "/v1/claims", "{\"client\":\"w\"} garbage", 400),
                BadRequest.of("two JSON objects", "POST", "/v1/claims", "{\"client\":\"w\"}{\"client\":\"x\"}", 400),
                BadRequest.of("numeric handle", "POST", "/v1/claims", "{\"client\":\"w\",\"handle\":42}", 400),
                BadRequest.of("handle with a space", "POST", "/v1/claims", "{\"client\":\"w\",\"handle\":\"a b\"}", 400),
                BadRequest.of("empty handle", "POST", "/v1/claims", "{\"client\":\"w\",\"handle\":\"\"}", 400),
                BadRequest.withHeader("handle header with a space", "DELETE", "/v1/claims/worker-1",
                        "Schedlock-Claim-Handle", "a b", null, 400),
                BadRequest.of("claiming with a GET", "GET", "/v1/lease/allowed?client=worker-1", null, 400),
                BadRequest.of("bad client on allowed", "GET", "/v1/lease/allowed?client=-w", null, 400),
                BadRequest.withHeader("claim without a Content-Type", "POST", "/v1/claims", "Content-Type", "",
                        "{\"client\":\"worker-1\"}", 415),
                BadRequest.withHeader("claim as text/plain (a web page's simple POST)", "POST", "/v1/claims",
                        "Content-Type", "text/plain", "{\"client\":\"worker-1\"}", 415),
                BadRequest.withHeader("claim as text/plain naming JSON as a parameter", "POST", "/v1/claims",
                        "Content-Type", "text/plain; application/json", "{\"client\":\"worker-1\"}", 415),
                BadRequest.withHeader("release without a Content-Type", "POST", "/v1/lease/release", "Content-Type", "",
                        null, 415),
                BadRequest.withHeader("release as text/plain (a web page's simple POST)", "POST", "/v1/lease/release",
                        "Content-Type", "text/plain", "{}", 415),
                BadRequest.withHeader("release as a form", "POST", "/v1/lease/release", "Content-Type",
                        "application/x-www-form-urlencoded", "a=b", 415),
                BadRequest.withHeader("release as multipart", "POST", "/v1/lease/release", "Content-Type",
                        "multipart/form-data; boundary=x", "--x--", 415),
                BadRequest.of("bad client in the DELETE path", "DELETE", "/v1/claims/worker%201", null, 400),
                BadRequest.of("DELETE without a client", "DELETE", "/v1/claims/", null, 400),
                BadRequest.of("returning a claim nobody holds", "DELETE", "/v1/claims/worker-1", null, 404),
                BadRequest.of("long-poll without version", "GET", "/v1/lease?wait=10s", null, 400),
                BadRequest.of("long-poll without wait", "GET", "/v1/lease?version=1", null, 400),
                BadRequest.of("wait that is no duration", "GET", "/v1/lease?wait=soon&version=1", null, 400),
                BadRequest.of("negative wait", "GET", "/v1/lease?wait=-5s&version=1", null, 400),
                BadRequest.of("negative wait in ISO-8601", "GET", "/v1/lease?wait=PT-5S&version=1", null, 400),
                BadRequest.of("zero wait", "GET", "/v1/lease?wait=0s&version=1", null, 400),
                BadRequest.of("zero wait in ISO-8601", "GET", "/v1/lease?wait=PT0S&version=1", null, 400),
                BadRequest.of("wait over the maximum", "GET", "/v1/lease?wait=61s&version=1", null, 400),
                BadRequest.of("version that is no number", "GET", "/v1/lease?wait=1s&version=x", null, 400),
                BadRequest.of("unknown path", "GET", "/v1/leases", null, 404),
                BadRequest.of("root path", "GET", "/", null, 404),
                BadRequest.of("trailing slash", "GET", "/v1/lease/", null, 404),
                BadRequest.of("other API version", "GET", "/v2/lease", null, 404),
                BadRequest.wrongMethod("POST", "/v1/lease", "GET"),
                BadRequest.wrongMethod("PUT", "/v1/lease", "GET"),
                BadRequest.wrongMethod("DELETE", "/v1/lease/allowed", "GET"),
                BadRequest.wrongMethod("POST", "/v1/lease/events", "GET"),
                BadRequest.wrongMethod("GET", "/v1/lease/release", "POST"),
                BadRequest.wrongMethod("GET", "/v1/claims", "POST"),
                BadRequest.wrongMethod("DELETE", "/v1/claims", "POST"),
                BadRequest.wrongMethod("GET", "/v1/claims/worker-1", "DELETE"),
                BadRequest.wrongMethod("POST", "/v1/claims/worker-1", "DELETE"),
                BadRequest.huge("/v1/claims", false),
                BadRequest.huge("/v1/claims", true),
                BadRequest.huge("/v1/lease/release", false),
                BadRequest.huge("/v1/lease/release", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void shouldAnswerAJsonErrorAndLeaveTheLeaseAlone(BadRequest bad) throws Exception {
        SidecarProcess.Reply reply = SidecarProcess.send(bad.request(sidecar.controlUri(bad.path())));

        assertThat(reply.status()).as(bad + ": " + reply.body()).isEqualTo(bad.status());
        assertThat(reply.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode error = reply.json();
        assertThat(error.path("error").asText()).as(reply.body()).isNotBlank();
        assertThat(error.path("message").asText()).as(reply.body()).isNotBlank();
        if (bad.allow() != null) {
            assertThat(reply.headers().firstValue("Allow")).hasValue(bad.allow());
        }
        assertLeaseUntouched();
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
