package dev.schedlock.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The PromQL of the alert rules and of the dashboard, keyed by where each expression is used. */
final class MonitoringQueries {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    private MonitoringQueries() {
    }

    static JsonNode alertsFile() {
        return read(YAML, Repo.ALERTS);
    }

    static JsonNode dashboard() {
        return read(JSON, Repo.DASHBOARD);
    }

    /** alert name → expression. */
    static Map<String, String> alerts() {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (JsonNode group : alertsFile().path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                exprs.put(rule.path("alert").asText(), rule.path("expr").asText());
            }
        }
        return exprs;
    }

    /** "panel title / refId" → expression, for every panel target (rows' panels included). */
    static Map<String, String> dashboardPanels() {
        Map<String, String> exprs = new LinkedHashMap<>();
        collect(dashboard().path("panels"), exprs);
        return exprs;
    }

    private static void collect(JsonNode panels, Map<String, String> exprs) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                exprs.put(panel.path("title").asText() + " / " + target.path("refId").asText(),
                        target.path("expr").asText());
            }
            collect(panel.path("panels"), exprs);
        }
    }

    /** "variable name" → its Grafana query, for the query variables. */
    static Map<String, String> dashboardVariables() {
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode variable : dashboard().path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                JsonNode query = variable.path("query");
                queries.put(variable.path("name").asText(), query.isObject() ? query.path("query").asText() : query.asText());
            }
        }
        return queries;
    }

    /** Every metric name the alerts and the dashboard read. */
    static Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        alerts().values().forEach(e -> names.addAll(PromQlNames.of(e)));
        dashboardPanels().values().forEach(e -> names.addAll(PromQlNames.of(e)));
        dashboardVariables().values().forEach(e -> names.addAll(PromQlNames.of(e)));
        return names;
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
