package dev.schedlock.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed CRD gives kubectl what it gives a Deployment or a cert-manager Certificate. */
class CrdConventionsTest {

    private static JsonNode version;

    @BeforeAll
    static void loadCrd() throws IOException {
        JsonNode root = CommittedCrd.read();
        assertThat(root.path("spec").path("names").path("categories")).as("kubectl get schedlock")
                .extracting(JsonNode::asText).containsExactly("schedlock");
        version = root.path("spec").path("versions").get(0);
    }

    @Test
    void shouldScaleLikeADeployment() {
        JsonNode scale = version.path("subresources").path("scale");
        assertThat(scale.path("specReplicasPath").asText()).isEqualTo(".spec.replicas");
        assertThat(scale.path("statusReplicasPath").asText()).isEqualTo(".status.replicas");
        assertThat(scale.path("labelSelectorPath").asText()).isEqualTo(".status.selector");
        assertThat(status().path("properties").path("selector").path("type").asText()).isEqualTo("string");
    }

    @Test
    void shouldShowReplicasReadyStatusAndAMessageInWideOutput() {
        List<String> columns = new ArrayList<>();
        version.path("additionalPrinterColumns").forEach(c -> columns.add(c.path("name").asText() + " "
                + c.path("jsonPath").asText() + " priority " + c.path("priority").asInt()));
        assertThat(columns).contains(
                "Replicas .spec.replicas priority 0",
                "Ready .status.readyReplicas priority 0",
                "Status .status.conditions[?(@.type==\"Ready\")].reason priority 0",
                "Message .status.conditions[?(@.type==\"Ready\")].message priority 1",
                "Leader .status.leader.pod priority 0",
                "Token .status.leader.fencingToken priority 0");
    }

    @Test
    void shouldDescribeTheObjectItself() {
        assertThat(version.path("schema").path("openAPIV3Schema").path("description").asText())
                .startsWith("A scheduler app run as several pods").contains("kubectl scale");
    }

    @Test
    void shouldDefaultTheOptionalObjectsSoThatTheirDefaultsShow() {
        JsonNode spec = version.path("schema").path("openAPIV3Schema").path("properties").path("spec")
                .path("properties");
        assertThat(spec.path("lease").path("default").isObject()).isTrue();
        assertThat(spec.path("lease").path("default").isEmpty()).isTrue();
        assertThat(spec.path("monitoring").path("default").isEmpty()).isTrue();
        assertThat(spec.path("sidecar").path("properties").path("ports").path("default").isObject()).isTrue();
        assertThat(spec.path("lease").path("properties").path("ttl").path("default").asText())
                .as("the patch added to the generated schema, it did not replace it").isEqualTo("60s");
    }

    @Test
    void shouldHaveMetav1Conditions() {
        JsonNode conditions = status().path("properties").path("conditions");
        assertThat(conditions.path("x-kubernetes-list-type").asText()).isEqualTo("map");
        assertThat(conditions.path("x-kubernetes-list-map-keys")).extracting(JsonNode::asText).containsExactly("type");
        JsonNode condition = conditions.path("items");
        assertThat(condition.path("properties").path("status").path("enum")).extracting(JsonNode::asText)
                .containsExactly("True", "False", "Unknown");
        assertThat(condition.path("properties").path("lastTransitionTime").path("format").asText())
                .isEqualTo("date-time");
        assertThat(condition.path("required")).extracting(JsonNode::asText)
                .contains("type", "status", "reason", "message", "lastTransitionTime");
    }

    private static JsonNode status() {
        return version.path("schema").path("openAPIV3Schema").path("properties").path("status");
    }
}
