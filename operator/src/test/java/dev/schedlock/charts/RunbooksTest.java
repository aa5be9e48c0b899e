package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Every alert says what happened and links a runbook section that says what to do. */
class RunbooksTest {

    @Test
    void everyAlertShouldLinkItsSectionOfTheTroubleshootingGuide() throws IOException {
        String guide = Files.readString(Repo.TROUBLESHOOTING);
        String base = MonitoringQueries.YAML.readTree(Repo.CHART.resolve("values.yaml").toFile())
                .path("prometheusRule").path("runbookBaseUrl").asText();
        assertThat(base).endsWith("/docs/troubleshooting.md");
        int rules = 0;
        for (JsonNode group : MonitoringQueries.alertsFile().path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                rules++;
                String alert = rule.path("alert").asText();
                JsonNode annotations = rule.path("annotations");
                assertThat(annotations.path("summary").asText()).as("%s summary", alert).isNotBlank();
                assertThat(annotations.path("description").asText()).as("%s description", alert).isNotBlank();
                // GitHub's anchor of "## SchedlockNoLeader" is #schedlocknoleader.
                assertThat(annotations.path("runbook_url").asText()).as("%s runbook_url", alert)
                        .isEqualTo(base + "#" + alert.toLowerCase(Locale.ROOT));
                String section = section(guide, alert);
                assertThat(section).as("section ## %s of docs/troubleshooting.md", alert)
                        .contains("**Symptom.**", "**Cause.**", "**Confirm.**", "**Fix.**");
            }
        }
        assertThat(rules).isEqualTo(AlertRulesIT.ALERTS.size());
    }

    private static String section(String guide, String alert) {
        int start = guide.indexOf("\n## " + alert + "\n");
        assertThat(start).as("heading ## %s in docs/troubleshooting.md", alert).isNotNegative();
        int end = guide.indexOf("\n## ", start + 1);
        return guide.substring(start, end < 0 ? guide.length() : end);
    }
}
