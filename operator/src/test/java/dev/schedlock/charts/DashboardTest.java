package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard file: its selectors, its panels and their layout. */
class DashboardTest {

    private final JsonNode dashboard = MonitoringQueries.dashboard();

    @Test
    void shouldOfferDatasourceNamespaceAndLockSelectors() {
        List<String> names = new ArrayList<>();
        dashboard.path("templating").path("list").forEach(v -> names.add(v.path("name").asText()));
        assertThat(names).containsExactly("datasource", "namespace", "lock");
        assertThat(MonitoringQueries.dashboardVariables())
                .containsEntry("namespace", "label_values(schedlock_lease_leader, namespace)")
                .containsEntry("lock", "label_values(schedlock_lease_leader{namespace=~\"$namespace\"}, lock)");
        dashboard.path("templating").path("list").forEach(v -> {
            if ("query".equals(v.path("type").asText())) {
                assertThat(v.path("multi").asBoolean() && v.path("includeAll").asBoolean())
                        .as("%s allows several values and All", v.path("name").asText()).isTrue();
            }
        });
    }

    @Test
    void everySchedlockQueryShouldFollowTheSelectors() {
        Map<String, String> panels = MonitoringQueries.dashboardPanels();
        assertThat(panels).isNotEmpty();
        panels.forEach((panel, expr) -> {
            if (expr.contains("schedlock_")) {
                assertThat(expr).as(panel).contains("namespace=~\"$namespace\"", "lock=~\"$lock\"");
            } else {
                assertThat(expr).as(panel).contains("namespace=~\"$namespace\"");
            }
        });
    }

    @Test
    void shouldShowWhatOperatorsAskFor() {
        List<String> exprs = List.copyOf(MonitoringQueries.dashboardPanels().values());
        assertThat(exprs).as("leader per lock over time").anyMatch(e -> e.startsWith("max by (namespace, lock, pod) (schedlock_lease_leader{"));
        assertThat(exprs).as("fencing token").anyMatch(e -> e.contains("schedlock_lease_fencing_token{"));
        assertThat(exprs).as("transitions").anyMatch(e -> e.contains("increase(schedlock_lease_transitions_total{"));
        assertThat(exprs).as("heartbeat latency quantiles over the histogram buckets")
                .filteredOn(e -> e.startsWith("histogram_quantile(") && e.contains("schedlock_lease_heartbeat_latency_seconds_bucket{"))
                .hasSize(3);
        assertThat(exprs).as("failures").anyMatch(e -> e.contains("schedlock_lease_heartbeat_failures_total{"));
        assertThat(exprs).as("validity left").anyMatch(e -> e.contains("schedlock_lease_validity_left_seconds{"));
        assertThat(exprs).as("claims").anyMatch(e -> e.contains("schedlock_lease_claims_active{"));
    }

    @Test
    void panelsShouldUseTheDatasourceVariableAndNotOverlap() {
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            if (!"row".equals(panel.path("type").asText())) {
                assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo("${datasource}");
                assertThat(panel.path("description").asText()).as("description of %s", title).isNotBlank();
            }
            JsonNode g = panel.path("gridPos");
            int[] box = {g.path("x").asInt(), g.path("y").asInt(), g.path("w").asInt(), g.path("h").asInt()};
            assertThat(box[0] + box[2]).as("%s fits in 24 columns", title).isLessThanOrEqualTo(24);
            for (int[] other : boxes) {
                boolean overlap = box[0] < other[0] + other[2] && other[0] < box[0] + box[2]
                        && box[1] < other[1] + other[3] && other[1] < box[1] + box[3];
                assertThat(overlap).as("%s overlaps another panel", title).isFalse();
            }
            boxes.add(box);
        }
    }
}
