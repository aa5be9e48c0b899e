package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules, checked by Prometheus' own promtool: the plain rules file and the chart's
 * PrometheusRule both load, and the unit tests in promtool/alerts_test.yaml make each alert fire
 * once and stay quiet once.
 */
class AlertRulesIT {

    static final Set<String> ALERTS = Set.of("SchedlockNoLeader", "SchedlockMultipleLeaders",
            "SchedlockHeartbeatFailing", "SchedlockLeaseFlapping", "SchedlockSidecarDown", "SchedlockNotReady",
            "SchedlockOperatorReconcileFailing");

    @TempDir
    Path dir;

    @Test
    void rulesFileShouldPassPromtoolCheckRules() throws Exception {
        Tools.Result check = Tools.run(Tools.promtool(), "check", "rules", Repo.ALERTS.toString()).assertSuccess();
        assertThat(check.out()).contains("SUCCESS: " + ALERTS.size() + " rules found");
        assertThat(MonitoringQueries.alerts().keySet()).containsExactlyInAnyOrderElementsOf(ALERTS);
    }

    @Test
    void eachAlertShouldFireAndStayQuietInPromtoolTestRules() throws Exception {
        Tools.Result test = Tools.run(Tools.promtool(), "test", "rules", Repo.ALERTS_TEST.toString());
        assertThat(test.exit()).as("promtool test rules:\n%s", test).isZero();

        // Every alert has a case in which it fires and one in which it stays quiet.
        JsonNode tests = MonitoringQueries.YAML.readTree(Repo.ALERTS_TEST.toFile()).path("tests");
        Set<String> fires = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode testCase : tests) {
            for (JsonNode check : testCase.path("alert_rule_test")) {
                (check.path("exp_alerts").isEmpty() ? quiet : fires).add(check.path("alertname").asText());
            }
        }
        assertThat(fires).as("alerts with a firing case").isEqualTo(new TreeSet<>(ALERTS));
        assertThat(quiet).as("alerts with a quiet case").isEqualTo(new TreeSet<>(ALERTS));
    }

    @Test
    void chartsPrometheusRuleShouldPassPromtoolCheckRulesWithEveryOverride() throws Exception {
        List<HasMetadata> objects = Helm.template("--set", "prometheusRule.enabled=true",
                "--set", "prometheusRule.noLeaderFor=5m", "--set", "prometheusRule.additionalAlertLabels.team=payments",
                "--set", "prometheusRule.runbookBaseUrl=https://runbooks.example.org/schedlock.md");
        PrometheusRule rule = Helm.one(objects, PrometheusRule.class);
        Path rules = dir.resolve("rendered-rules.yaml");
        Files.writeString(rules, Helm.SERIALIZATION.asYaml(Map.of("groups", rule.getSpec().getGroups())));

        Tools.Result check = Tools.run(Tools.promtool(), "check", "rules", rules.toString());
        assertThat(check.exit()).as("promtool check rules on the rendered PrometheusRule:\n%s", check).isZero();
    }
}
