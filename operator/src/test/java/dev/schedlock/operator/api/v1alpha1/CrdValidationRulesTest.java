package dev.schedlock.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.schedlock.operator.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the committed CRD's schema defaults, patterns and CEL rules ({@code x-kubernetes-validations})
 * on sample resources, as an API server would before storing them: the mock API server does neither,
 * so without this the rules would only ever meet a real cluster ({@link CrdSchemaCheck}).
 */
class CrdValidationRulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode schema;

    @BeforeAll
    static void loadCrd() throws IOException {
        schema = CommittedCrd.read().path("spec").path("versions").get(0).path("schema").path("openAPIV3Schema");
    }

    @Test
    void shouldDescribeEveryField() {
        List<String> undescribed = new ArrayList<>();
        collectUndescribed(schema.path("properties"), "", undescribed);
        assertThat(undescribed).as("fields without an OpenAPI description").isEmpty();
    }

    private static void collectUndescribed(JsonNode properties, String path, List<String> undescribed) {
        for (Map.Entry<String, JsonNode> p : properties.properties()) {
            String field = path.isEmpty() ? p.getKey() : path + "." + p.getKey();
            if (!p.getValue().hasNonNull("description")) {
                undescribed.add(field);
            }
            collectUndescribed(p.getValue().path("properties"), field, undescribed);
            collectUndescribed(p.getValue().path("items").path("properties"), field + "[]", undescribed);
        }
    }

    @Test
    void shouldAcceptTheMinimalResourcesOfBothStores() throws Exception {
        assertThat(violations(TestResources.sqlite("a"), spec -> { })).isEmpty();
        assertThat(violations(TestResources.postgres("a"), spec -> { })).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"scheduler-sqlite.yaml", "scheduler-postgres.yaml"})
    void shouldAcceptTheDocumentationsExamples(String file) throws Exception {
        Path example = Path.of(System.getProperty("schedlock.examples.dir", "../docs/examples"))
                .resolve("kubernetes").resolve(file);
        SchedulerDeployment sd = new ObjectMapper(new YAMLFactory()).readValue(Files.readString(example),
                SchedulerDeployment.class);
        assertThat(violations(sd, spec -> { })).isEmpty();
    }

    @Test
    void shouldAcceptGoDurationsThatAddUp() throws Exception {
        assertThat(violations(TestResources.sqlite("a"), spec -> lease(spec, Map.of(
                "ttl", "1m30s", "heartbeatInterval", "30s", "permitTtl", "1.5s", "retryInterval", "500ms"))))
                .isEmpty();
    }

    @Test
    void shouldRejectATtlBelowThreeHeartbeatsCountingTheDefaultHeartbeat() throws Exception {
        assertThat(violations(TestResources.sqlite("a"), spec -> lease(spec, Map.of("ttl", "20s"))))
                .singleElement().asString().contains("ttl must be at least 3 × heartbeatInterval");
    }

    @Test
    void shouldRejectAPermitOrRetryNotBelowTheTtl() throws Exception {
        assertThat(violations(TestResources.sqlite("a"), spec -> lease(spec, Map.of(
                "permitTtl", "60s", "retryInterval", "2m"))))
                .anySatisfy(v -> assertThat(v).contains("permitTtl must be below ttl"))
                .anySatisfy(v -> assertThat(v).contains("retryInterval must be below ttl"))
                .hasSize(2);
    }

    @Test
    void shouldRejectATtlAboveTheSidecarsOneHourBound() throws Exception {
        assertThat(violations(TestResources.sqlite("a"), spec -> lease(spec, Map.of("ttl", "1h0m1s"))))
                .singleElement().asString().contains("ttl must be at most 1h");
        assertThat(violations(TestResources.sqlite("a"), spec -> lease(spec, Map.of("ttl", "1h")))).isEmpty();
    }

    @Test
    void shouldReadDaysAndRefuseThemAboveTheTtlsBound() throws Exception {
        assertThat(violations(TestResources.sqlite("a"), spec -> lease(spec, Map.of("ttl", "7d"))))
                .singleElement().asString().contains("ttl must be at most 1h");
        assertThat(violations(TestResources.sqlite("a"), spec -> lease(spec, Map.of("ttl", "0d1h")))).isEmpty();
    }

    @Test
    void shouldRejectDurationsOutsideTheGrammar() throws Exception {
        assertThat(violations(TestResources.sqlite("a"), spec -> lease(spec, Map.of("ttl", "PT60S"))))
                .anySatisfy(v -> assertThat(v).contains("spec.lease.ttl").contains("pattern"));
    }

    @Test
    void shouldRequireExactlyOneStore() throws Exception {
        String message = "set exactly one of store.sqlite";
        assertThat(violations(TestResources.sqlite("a"), spec -> store(spec).put("postgres",
                Map.of("url", "jdbc:postgresql://db/x")))).singleElement().asString().contains(message);
        assertThat(violations(TestResources.sqlite("a"), spec -> store(spec).remove("sqlite")))
                .singleElement().asString().contains(message);
    }

    @Test
    void shouldRejectAClaimAndAnExistingClaimTogetherAndPathsOutOfTheVolume() throws Exception {
        assertThat(violations(TestResources.sqlite("a"), spec -> sqlite(spec).putAll(Map.of(
                "volumeClaim", Map.of("size", "2Gi"), "existingClaim", "disk"))))
                .singleElement().asString().contains("at most one of sqlite.volumeClaim and sqlite.existingClaim");
        assertThat(violations(TestResources.sqlite("a"), spec -> sqlite(spec).put("path", "data/../../etc/x")))
                .singleElement().asString().contains("remove '..'");
    }

    @Test
    void shouldRejectEqualSidecarPorts() throws Exception {
        assertThat(violations(TestResources.sqlite("a"), spec -> spec.put("sidecar",
                Map.of("ports", Map.of("control", 8471L)))))
                .singleElement().asString().contains("must differ");
    }

    @Test
    void shouldFillInEveryDefaultOfLeaseMonitoringAndSidecarPortsLeftOut() {
        JsonNode spec = defaulted(TestResources.sqlite("a"), s -> s.put("sidecar", new LinkedHashMap<>()))
                .path("spec");

        JsonNode lease = spec.path("lease");
        assertThat(List.of(lease.path("ttl").asText(), lease.path("heartbeatInterval").asText(),
                lease.path("retryInterval").asText(), lease.path("permitTtl").asText(), lease.path("permitMode").asText(),
                lease.path("takeoverPolicy").asText()))
                .as("kubectl get -o yaml shows the effective timing")
                .containsExactly("60s", "10s", "2s", "10s", "pod", "store-clock");
        assertThat(spec.path("monitoring").path("serviceMonitor").asBoolean()).isTrue();
        assertThat(spec.path("sidecar").path("ports").toString()).isEqualTo("{\"control\":8470,\"status\":8471}");
    }

    /** Violations of the CRD's defaults-then-rules for {@code sd} after {@code edit} of its spec map. */
    private static List<String> violations(SchedulerDeployment sd, Consumer<Map<String, Object>> edit)
            throws Exception {
        return CrdSchemaCheck.violations(schema, defaulted(sd, edit));
    }

    /** {@code sd} after {@code edit} of its spec map, with the CRD's defaults applied. */
    private static JsonNode defaulted(SchedulerDeployment sd, Consumer<Map<String, Object>> edit) {
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) CrdSchemaCheck.toCel(JSON.valueToTree(sd));
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) doc.get("spec");
        edit.accept(spec);
        JsonNode withDefaults = JSON.valueToTree(doc);
        applyDefaults(schema, withDefaults);
        return withDefaults;
    }

    /** Structural defaulting as the API server does it: missing properties that have a default get it. */
    private static void applyDefaults(JsonNode schemaNode, JsonNode value) {
        if (!value.isObject()) {
            return;
        }
        for (Map.Entry<String, JsonNode> p : schemaNode.path("properties").properties()) {
            if (!value.has(p.getKey()) && p.getValue().has("default")) {
                // A copy: an object default ({}) gets its own fields' defaults below.
                ((ObjectNode) value).set(p.getKey(), p.getValue().get("default").deepCopy());
            }
            if (value.has(p.getKey())) {
                applyDefaults(p.getValue(), value.get(p.getKey()));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> child(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.computeIfAbsent(key, k -> new LinkedHashMap<>());
    }

    private static void lease(Map<String, Object> spec, Map<String, Object> fields) {
        child(spec, "lease").putAll(fields);
    }

    private static Map<String, Object> store(Map<String, Object> spec) {
        return child(spec, "store");
    }

    private static Map<String, Object> sqlite(Map<String, Object> spec) {
        return child(store(spec), "sqlite");
    }
}
