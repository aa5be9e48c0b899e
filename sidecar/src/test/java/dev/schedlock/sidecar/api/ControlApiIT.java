package dev.schedlock.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseMetrics;
import dev.schedlock.sidecar.lease.LeaseState;
import dev.schedlock.sidecar.lease.PermitMode;
import dev.schedlock.sidecar.process.RawHttp;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.LockRow;
import dev.schedlock.sidecar.store.StoreSettings;
import dev.schedlock.sidecar.store.jdbc.LeaseStores;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The control API in this JVM: a real {@link ControlApi} on a free loopback port, in front of a
 * real elector on a real SQLite file, with a monotonic clock that moves only when told. Covers the
 * request shapes (methods, content types, the Host check, bad JSON, sizes, handles, the 4xx codes)
 * and the JSON of every answer, and that none of the bad requests touches the lease. The process
 * tests ({@code ..process}) keep a few of these end to end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlApiIT {

    private static final int MIB = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String JSON_TYPE = "Content-Type: application/json";
    private static final HolderIdentity SELF = new HolderIdentity("pod-a/uid-a/0a0a0a", "pod-a", "host-a", 1);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Moves only when a test says so: permits are counted on it, so their validity is exact. */
    private final AtomicLong clock = new AtomicLong(7_000_000_000_000L);
    private final AtomicInteger stepDowns = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private LeaseStore store;
    private LeaseElector claims;
    private ControlApi claimsApi;
    private LeaseElector pod;
    private ControlApi podApi;
    private long token;

    @BeforeAll
    void startLeading(@TempDir Path dir) throws Exception {
        store = LeaseStores.open(new StoreSettings("jdbc:sqlite:" + dir.resolve("lease.db"), null, null,
                Duration.ofSeconds(5)));
        store.migrate();
        claims = leading("claims", PermitMode.CLAIMS);
        claimsApi = listen(claims);
        pod = leading("pod", PermitMode.POD);
        podApi = listen(pod);
        token = claims.heldToken();
    }

    private LeaseElector leading(String lock, PermitMode mode) {
        LeaseConfig config = LeaseConfig.builder().lockName(lock).permitMode(mode).build();
        LeaseElector elector = new LeaseElector(config, store, SELF, clock::get, () -> 0.0, LeaseMetrics.NOOP);
        elector.step();
        assertThat(elector.snapshot().state()).as(lock + " leads").isEqualTo(LeaseState.LEADER);
        return elector;
    }

    private ControlApi listen(LeaseElector elector) throws Exception {
        ControlApi api = new ControlApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), elector,
                stepDowns::incrementAndGet, JSON);
        api.start();
        return api;
    }

    @AfterAll
    void stop() {
        claimsApi.close();
        podApi.close();
        store.close();
    }

    /** Every test: the lease is where it was (same token in the elector and the row), no step-down asked. */
    @AfterEach
    void leaseUntouched() {
        assertThat(claims.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(claims.heldToken()).isEqualTo(token);
        LockRow row = store.inspect("claims").orElseThrow();
        assertThat(row.holderId()).isEqualTo(SELF.id());
        assertThat(row.fencingToken()).isEqualTo(token);
        assertThat(pod.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(stepDowns).as("step-downs asked").hasValue(0);
    }

    // ------------------------------------------------------------------ bad requests

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
                BadRequest.withHeader("body handle and header handle differ", "POST", "/v1/claims",
                        "Schedlock-Claim-Handle", "aaaa", "{\"client\":\"w\",\"handle\":\"bbbb\"}", 400),
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
                BadRequest.wrongMethod("OPTIONS", "/v1/lease/release", "POST"),
                BadRequest.huge("/v1/claims", false),
                BadRequest.huge("/v1/claims", true),
                BadRequest.huge("/v1/lease/release", false),
                BadRequest.huge("/v1/lease/release", true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void shouldAnswerAJsonErrorAndLeaveTheLeaseAlone(BadRequest bad) throws Exception {
        HttpResponse<String> reply = http.send(bad.request(uri(claimsApi, bad.path())).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(reply.statusCode()).as(bad + ": " + reply.body()).isEqualTo(bad.status());
        assertThat(reply.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(fieldNames(reply.body())).as(reply.body()).containsExactly("error", "message");
        JsonNode error = JSON.readTree(reply.body());
        assertThat(error.path("error").asText()).as(reply.body()).matches("[A-Z_]+");
        assertThat(error.path("message").asText()).as(reply.body()).isNotBlank();
        if (bad.allow() != null) {
            assertThat(reply.headers().firstValue("Allow")).hasValue(bad.allow());
        }
        assertThat(reply.headers().firstValue("Access-Control-Allow-Origin")).as("no CORS").isEmpty();
    }

    // ------------------------------------------------------------------ the Host check

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
                RawHttp.request("POST", "/v1/claims", "{\"client\":\"worker-1\"}", host, JSON_TYPE),
                RawHttp.request("DELETE", "/v1/claims/worker-1", null, host),
                RawHttp.request("POST", "/v1/lease/release", "{}", host, JSON_TYPE));

        for (String request : requests) {
            RawHttp.Answer answer = RawHttp.send(uri(claimsApi, ""), request, TIMEOUT);
            assertThat(answer.status()).as(request + "\n" + answer.body()).isEqualTo(421);
            JsonNode error = JSON.readTree(answer.body());
            assertThat(error.path("error").asText()).isEqualTo("MISDIRECTED_REQUEST");
            assertThat(error.path("message").asText()).contains("loopback");
            assertThat(answer.body()).as("no permit in a refusal").doesNotContain("validForMillis");
        }
    }

    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = {"localhost", "LOCALHOST:PORT", "localhost:PORT", "127.0.0.1", "127.0.0.1:PORT", "127.1.2.3:80",
        "[::1]", "[::1]:PORT", "[0:0:0:0:0:0:0:1]:PORT"})
    void shouldAnswerRequestsForALoopbackHost(String loopback) throws Exception {
        String host = "Host: " + loopback.replace("PORT", Integer.toString(podApi.address().getPort()));

        RawHttp.Answer answer = RawHttp.send(uri(podApi, ""), RawHttp.request("GET", "/v1/lease", null, host), TIMEOUT);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(JSON.readTree(answer.body()).path("validForMillis").asLong()).as("a permit").isPositive();
    }

    @Test
    void shouldAnswerARequestWithoutHostSinceNoBrowserSendsOne() throws Exception {
        RawHttp.Answer answer = RawHttp.send(uri(podApi, ""), "GET /v1/lease HTTP/1.0\r\n\r\n", TIMEOUT);

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    @Test
    void shouldRefuseSeveralHostHeaders() throws Exception {
        RawHttp.Answer answer = RawHttp.send(uri(claimsApi, ""), RawHttp.request("POST", "/v1/lease/release", "{}",
                host(claimsApi), "Host: evil.example", JSON_TYPE), TIMEOUT);

        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
    }

    @Test
    void shouldRefuseACrossOriginTextPlainPostToStepDown() throws Exception {
        // What <form enctype="text/plain" method="post"> or fetch(..., {mode: "no-cors"}) sends.
        RawHttp.Answer answer = RawHttp.send(uri(claimsApi, ""), RawHttp.request("POST", "/v1/lease/release", "{}",
                host(claimsApi), "Origin: http://evil.example", "Content-Type: text/plain;charset=UTF-8"), TIMEOUT);

        assertThat(answer.status()).as(answer.body()).isEqualTo(415);
        assertThat(answer.body()).contains("UNSUPPORTED_MEDIA_TYPE").contains("Content-Type: application/json");
        assertThat(answer.headers()).doesNotContainKey("access-control-allow-origin");
    }

    @Test
    void shouldAnswer400ToAContentLengthThatIsNoNumber() throws Exception {
        // The JDK server refuses most of these before the handler sees them (its own 400); the
        // handler's own check (ExchangesTest) covers the rest.
        for (String length : List.of("abc", "1x", "99999999999999999999", "-1")) {
            RawHttp.Answer answer = RawHttp.send(uri(claimsApi, ""), "POST /v1/claims HTTP/1.1\r\n" + host(claimsApi)
                    + "\r\n" + JSON_TYPE + "\r\nContent-Length: " + length + "\r\nConnection: close\r\n\r\n{}", TIMEOUT);
            assertThat(answer.status()).as("Content-Length: " + length + ": " + answer.body()).isEqualTo(400);
        }
    }

    // ------------------------------------------------------------------ answers (docs/api.md, openapi.yaml)

    @Test
    void shouldAnswerTheLeaseWithAPodPermitInPodMode() throws Exception {
        HttpResponse<String> reply = get(podApi, "/v1/lease");

        assertThat(reply.statusCode()).isEqualTo(200);
        assertThat(fieldNames(reply.body())).containsExactly("lockName", "state", "leader", "fencingToken", "storeId",
                "validForMillis", "holder", "version");
        JsonNode lease = JSON.readTree(reply.body());
        assertThat(lease.path("lockName").asText()).isEqualTo("pod");
        assertThat(lease.path("state").asText()).isEqualTo("LEADER");
        assertThat(lease.path("leader").asBoolean()).isTrue();
        assertThat(lease.path("validForMillis").asLong()).as("the permit TTL: the clock has not moved")
                .isEqualTo(pod.config().permitTtl().toMillis());
        assertThat(fieldNames(lease.path("holder").toString())).containsExactly("id", "pod", "host");
        assertThat(lease.path("holder").path("id").asText()).isEqualTo(SELF.id());
        assertThat(get(podApi, "/v1/lease/allowed").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerTheLeaseWithoutAPermitInClaimsMode() throws Exception {
        HttpResponse<String> reply = get(claimsApi, "/v1/lease");

        assertThat(reply.statusCode()).isEqualTo(200);
        JsonNode lease = JSON.readTree(reply.body());
        assertThat(lease.path("leader").asBoolean()).isTrue();
        assertThat(lease.path("fencingToken").asLong()).isEqualTo(token);
        assertThat(lease.path("validForMillis").asLong()).isZero();
        HttpResponse<String> allowed = get(claimsApi, "/v1/lease/allowed");
        assertThat(allowed.statusCode()).as("no permit: 409 for curl -f").isEqualTo(409);
    }

    @Test
    void shouldGrantRenewRefuseAndReturnAClaim() throws Exception {
        HttpResponse<String> granted = post(claimsApi, "/v1/claims", "{\"client\":\"worker-1\"}", Map.of());
        assertThat(granted.statusCode()).as(granted.body()).isEqualTo(200);
        assertThat(fieldNames(granted.body())).containsExactly("granted", "fencingToken", "validForMillis", "handle");
        JsonNode grant = JSON.readTree(granted.body());
        assertThat(grant.path("granted").asBoolean()).isTrue();
        assertThat(grant.path("fencingToken").asLong()).isEqualTo(token);
        assertThat(grant.path("validForMillis").asLong()).isEqualTo(claims.config().permitTtl().toMillis());
        String handle = grant.path("handle").asText();

        HttpResponse<String> other = post(claimsApi, "/v1/claims", "{\"client\":\"worker-2\"}", Map.of());
        assertThat(other.statusCode()).as(other.body()).isEqualTo(409);
        assertThat(fieldNames(other.body())).containsExactly("granted", "fencingToken", "validForMillis", "reason",
                "heldBy");
        assertThat(JSON.readTree(other.body()).path("reason").asText()).isEqualTo("HELD_BY_OTHER");

        HttpResponse<String> stolen = post(claimsApi, "/v1/claims", "{\"client\":\"worker-1\"}", Map.of());
        assertThat(stolen.statusCode()).as("same client name, no handle: " + stolen.body()).isEqualTo(409);
        assertThat(fieldNames(stolen.body())).containsExactly("granted", "fencingToken", "validForMillis", "reason",
                "heldBy", "message");
        assertThat(JSON.readTree(stolen.body()).path("reason").asText()).isEqualTo("HANDLE_MISMATCH");

        clock.addAndGet(Duration.ofSeconds(4).toNanos());
        HttpResponse<String> renewed = post(claimsApi, "/v1/claims", "{\"client\":\"worker-1\"}",
                Map.of(ControlApi.HANDLE_HEADER, handle));
        assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(200);
        assertThat(JSON.readTree(renewed.body()).path("handle").asText()).isEqualTo(handle);

        HttpResponse<String> wrongHandle = send(HttpRequest.newBuilder(uri(claimsApi, "/v1/claims/worker-1"))
                .header(ControlApi.HANDLE_HEADER, "not-the-handle").DELETE());
        assertThat(wrongHandle.statusCode()).as(wrongHandle.body()).isEqualTo(409);
        assertThat(JSON.readTree(wrongHandle.body()).path("error").asText()).isEqualTo("HANDLE_MISMATCH");

        HttpResponse<String> returned = send(HttpRequest.newBuilder(uri(claimsApi, "/v1/claims/worker-1"))
                .header(ControlApi.HANDLE_HEADER, handle).DELETE());
        assertThat(returned.statusCode()).isEqualTo(204);
        assertThat(claims.claimHolder()).isEmpty();
    }

    @Test
    void shouldRefuseClaimsInPodMode() throws Exception {
        HttpResponse<String> reply = post(podApi, "/v1/claims", "{\"client\":\"worker-1\"}", Map.of());

        assertThat(reply.statusCode()).isEqualTo(409);
        assertThat(reply.body()).isEqualTo("{\"granted\":false,\"fencingToken\":0,\"validForMillis\":0,"
                + "\"reason\":\"PERMIT_MODE_POD\",\"message\":\"claims need --permit-mode claims; in pod mode every"
                + " GET /v1/lease from the leading pod is a permit\"}");
    }

    @Test
    void shouldAcceptAStepDownWithItsAnswer() throws Exception {
        LeaseElector standby = new LeaseElector(LeaseConfig.builder().lockName("claims").build(), store,
                new HolderIdentity("pod-b/uid-b/0b0b0b", "pod-b", "host-b", 2), clock::get, () -> 0.0,
                LeaseMetrics.NOOP);
        AtomicInteger asked = new AtomicInteger();
        try (ControlApi api = new ControlApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), standby,
                asked::incrementAndGet, JSON)) {
            api.start();

            HttpResponse<String> reply = post(api, "/v1/lease/release", "{}", Map.of());

            assertThat(reply.statusCode()).isEqualTo(202);
            assertThat(reply.body()).isEqualTo("{\"accepted\":true,\"wasLeader\":false,\"message\":\"not leading;"
                    + " standing by without acquiring for two retry intervals\"}");
            assertThat(asked).hasValue(1);
        }
    }

    @Test
    void shouldAnswer503UntilTheStatusServerHasAnElector() throws Exception {
        try (StatusServer status = new StatusServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                () -> new StatusServer.Readiness(false, "starting"), () -> "", JSON)) {
            status.start();
            URI lease = URI.create("http://127.0.0.1:" + status.address().getPort() + "/v1/lease");

            HttpResponse<String> starting = send(HttpRequest.newBuilder(lease));
            assertThat(starting.statusCode()).isEqualTo(503);
            assertThat(starting.body()).isEqualTo("{\"state\":\"STARTING\",\"leader\":false,\"validForMillis\":0}");

            status.attach(claims);
            HttpResponse<String> attached = send(HttpRequest.newBuilder(lease));
            assertThat(attached.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(attached.body()).path("validForMillis").asLong()).as("never a permit").isZero();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static URI uri(ControlApi api, String path) {
        return URI.create("http://127.0.0.1:" + api.address().getPort() + path);
    }

    private static String host(ControlApi api) {
        return "Host: 127.0.0.1:" + api.address().getPort();
    }

    private HttpResponse<String> get(ControlApi api, String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(api, path)));
    }

    private HttpResponse<String> post(ControlApi api, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(api, path)).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The top-level field names of a JSON object, in the order they were written. */
    private static List<String> fieldNames(String json) throws Exception {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = JSON.readTree(json).fieldNames(); it.hasNext();) {
            names.add(it.next());
        }
        return names;
    }
}
