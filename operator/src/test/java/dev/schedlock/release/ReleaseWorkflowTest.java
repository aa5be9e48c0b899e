package dev.schedlock.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of {@code .github/workflows/release.yml} without running it (it runs on
 * GitHub Actions only): it pushes the images the chart's values.yaml names, tagged with the
 * chart's appVersion, built for amd64 and arm64 from Dockerfiles that exist, and the chart to an
 * OCI registry.
 */
class ReleaseWorkflowTest {

    static final Path ROOT = Path.of(System.getProperty("schedlock.repo.root", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String VERSION = "${{ steps.version.outputs.version }}";

    private final JsonNode workflow = read(".github/workflows/release.yml");
    private final JsonNode values = read("charts/schedlock-operator/values.yaml");
    private final JsonNode env = workflow.path("env");

    @Test
    void shouldPushTheImagesThatValuesYamlNames() {
        assertThat(env.path("OPERATOR_IMAGE").asText()).isEqualTo(values.path("image").path("repository").asText());
        assertThat(env.path("SIDECAR_IMAGE").asText())
                .isEqualTo(values.path("operator").path("sidecarImage").path("repository").asText());
        assertThat(values.path("image").path("tag").asText()).as("empty: the chart's appVersion").isEmpty();
        assertThat(values.path("operator").path("sidecarImage").path("tag").asText()).isEmpty();
    }

    @Test
    void shouldTagEveryImageWithTheCheckedVersionAndBuildItFromItsDockerfileForBothArchitectures() {
        assertThat(env.path("PLATFORMS").asText().split(",")).containsExactlyInAnyOrder("linux/amd64", "linux/arm64");
        for (String[] image : new String[][] {{"SIDECAR_IMAGE", "sidecar/"}, {"OPERATOR_IMAGE", "operator/"}}) {
            String run = runs().stream().filter(r -> r.contains("-t \"$" + image[0] + ":")).findFirst().orElseThrow(
                    () -> new AssertionError("no step builds $" + image[0]));
            assertThat(run).contains("--platform \"$PLATFORMS\" --push", "-t \"$" + image[0] + ":" + VERSION + "\" " + image[1]);
            assertThat(ROOT.resolve(image[1]).resolve("Dockerfile")).isRegularFile();
        }
        String check = step("Check versions").path("run").asText();
        assertThat(check).as("the tag must equal the chart's appVersion, which the chart's image tags default to")
                .contains("Chart.yaml", "appVersion", "[ \"$version\" = \"$app_version\" ]");
        assertThat(step("Check versions").path("id").asText()).isEqualTo("version");
    }

    @Test
    void shouldPushTheChartToAnOciRegistryOnATag() {
        assertThat(env.path("CHART_REPOSITORY").asText()).startsWith("oci://" + env.path("REGISTRY").asText() + "/");
        assertThat(env.path("CHART").asText()).isEqualTo("charts/schedlock-operator");
        assertThat(step("Chart").path("run").asText()).contains("helm push", "\"$CHART_REPOSITORY\"");
        assertThat(workflow.path("on").path("push").path("tags").get(0).asText()).isEqualTo("v*.*.*");
        assertThat(workflow.path("permissions").path("packages").asText()).isEqualTo("write");
    }

    @Test
    void everyActionShouldBePinnedToAVersion() {
        List<String> uses = new ArrayList<>();
        workflow.path("jobs").forEach(job -> job.path("steps").forEach(s -> {
            if (s.has("uses")) {
                uses.add(s.path("uses").asText());
            }
        }));
        assertThat(uses).isNotEmpty().allMatch(u -> u.matches("[\\w.-]+/[\\w.-]+@v\\d+(\\.\\d+)*"), "owner/name@vN");
    }

    private JsonNode step(String name) {
        for (JsonNode job : workflow.path("jobs")) {
            for (JsonNode s : job.path("steps")) {
                if (name.equals(s.path("name").asText())) {
                    return s;
                }
            }
        }
        throw new AssertionError("no step named " + name);
    }

    private List<String> runs() {
        List<String> runs = new ArrayList<>();
        workflow.path("jobs").forEach(job -> job.path("steps").forEach(s -> runs.add(s.path("run").asText())));
        return runs;
    }

    private static JsonNode read(String file) {
        try {
            return YAML.readTree(Files.readString(ROOT.resolve(file)));
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }
}
