package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedlock.rules.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * values.yaml explains itself (a comment above every key) and values.schema.json describes exactly
 * its keys, refusing any other ({@code additionalProperties: false} on every object it defines).
 */
class ValuesFileTest {

    private static final Pattern KEY = Pattern.compile("^\\s*[A-Za-z_][A-Za-z0-9_.-]*:( |$)");

    @Test
    void everyKeyShouldHaveACommentAboveIt() throws IOException {
        List<String> lines = Files.readAllLines(Repo.CHART.resolve("values.yaml"));
        List<String> uncommented = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (KEY.matcher(lines.get(i)).find()) {
                int above = i - 1;
                while (above >= 0 && lines.get(above).isBlank()) {
                    above--;
                }
                if (above < 0 || !lines.get(above).stripLeading().startsWith("#")) {
                    uncommented.add((i + 1) + ": " + lines.get(i));
                }
            }
        }
        assertThat(uncommented).as("keys of values.yaml without a comment line above them").isEmpty();
    }

    @Test
    void schemaShouldRefuseUnknownKeysOnEveryObjectItDefines() throws IOException {
        List<String> open = new ArrayList<>();
        walkSchema(schema(), "", open);
        assertThat(open).as("schema objects with properties but without additionalProperties: false").isEmpty();
    }

    @Test
    void schemaAndValuesShouldHaveTheSameKeys() throws IOException {
        JsonNode values = MonitoringQueries.YAML.readTree(Repo.CHART.resolve("values.yaml").toFile());
        List<String> differences = new ArrayList<>();
        compare(values, schema(), "", differences);
        assertThat(differences).isEmpty();
    }

    @Test
    void leaderPollIntervalShouldTakeSchedlocksOneDurationGrammar() throws IOException {
        assertThat(schema().path("properties").path("operator").path("properties").path("leaderPollInterval")
                .path("pattern").asText()).isEqualTo(Durations.PATTERN);
    }

    private static JsonNode schema() throws IOException {
        return MonitoringQueries.JSON.readTree(Repo.CHART.resolve("values.schema.json").toFile());
    }

    private static void walkSchema(JsonNode node, String path, List<String> open) {
        if (node.has("properties")) {
            if (!node.path("additionalProperties").isBoolean() || node.path("additionalProperties").asBoolean()) {
                open.add(path.isEmpty() ? "(root)" : path);
            }
            node.path("properties").fields().forEachRemaining(f -> walkSchema(f.getValue(), path + "." + f.getKey(), open));
        }
        if (node.has("items")) {
            walkSchema(node.path("items"), path + "[]", open);
        }
    }

    /** Keys in values.yaml but not in the schema and the other way round, down to pass-through objects. */
    private static void compare(JsonNode values, JsonNode schema, String path, List<String> differences) {
        JsonNode properties = schema.path("properties");
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode property = properties.path(field.getKey());
            if (property.isMissingNode()) {
                differences.add("values.yaml has " + path + field.getKey() + ", the schema does not");
            } else if (property.has("properties")) {
                compare(field.getValue(), property, path + field.getKey() + ".", differences);
            }
        }
        properties.fieldNames().forEachRemaining(name -> {
            if (!values.has(name)) {
                differences.add("the schema has " + path + name + ", values.yaml does not (document it there)");
            }
        });
    }
}
