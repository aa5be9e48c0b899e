package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedlock.charts.RealPrometheus.Sample;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes three real sidecars on one SQLite store, with the alert rules loaded:
 * it sees exactly one leader, and after the leader is killed with SIGKILL, the new one. The
 * dashboard's and the alerts' queries run against what it scraped.
 */
class PrometheusScrapeIT {

    private static final String LOCK = "jobs.billing";
    private static final String JOB = "billing-status";
    /** A loaded 2-core machine runs three JVMs and Prometheus side by side. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<RealSidecar> sidecars = new ArrayList<>();
    private RealPrometheus prometheus;

    @AfterEach
    void stopAll() throws InterruptedException {
        if (prometheus != null) {
            prometheus.close();
        }
        for (RealSidecar sidecar : sidecars) {
            sidecar.close();
        }
    }

    @Test
    void shouldSeeOneLeaderAndAfterItIsKilledTheNewOne() throws Exception {
        for (String pod : List.of("billing-a", "billing-b", "billing-c")) {
            sidecars.add(RealSidecar.start(pod, dir.resolve("lease.db"), LOCK, dir));
        }
        prometheus = RealPrometheus.start(dir, config());
        await("Prometheus ready").atMost(PATIENCE).pollInterval(Duration.ofMillis(250)).until(prometheus::ready);

        await("all three sidecars scraped and one leader").atMost(PATIENCE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(prometheus.query("sum(up{job=\"" + JOB + "\"})")).singleElement()
                            .satisfies(s -> assertThat(s.number()).isEqualTo(3));
                    assertThat(prometheus.query("sum by (lock) (schedlock_lease_leader)")).singleElement()
                            .satisfies(s -> {
                                assertThat(s.labels()).containsEntry("lock", LOCK);
                                assertThat(s.number()).as("sum(schedlock_lease_leader) for %s", LOCK).isEqualTo(1);
                            });
                });
        RealSidecar leader = leader().orElseThrow();
        long firstToken = (long) prometheus.query("max(schedlock_lease_fencing_token)").get(0).number();
        System.out.println("leader " + leader.pod() + ", fencing token " + firstToken + "; killing it with SIGKILL");

        leader.kill9();

        await("a new leader after " + leader.pod() + " was killed").atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    Optional<RealSidecar> next = leader();
                    assertThat(next).as("the pod Prometheus sees leading").isPresent()
                            .get().isNotSameAs(leader);
                    assertThat(prometheus.query("sum by (lock) (schedlock_lease_leader)")).singleElement()
                            .satisfies(s -> assertThat(s.number()).isEqualTo(1));
                });
        RealSidecar next = leader().orElseThrow();
        assertThat(prometheus.query("max(schedlock_lease_fencing_token)").get(0).number())
                .as("the new leader's fencing token").isGreaterThan(firstToken);
        // The killed sidecar is the one SchedlockSidecarDown's expression reports.
        await("the killed sidecar's target down").atMost(PATIENCE).untilAsserted(() ->
                assertThat(prometheus.query(MonitoringQueries.alerts().get("SchedlockSidecarDown")))
                        .extracting(s -> s.labels().get("pod")).containsExactly(leader.pod()));
        System.out.println("new leader " + next.pod());

        assertAlertRulesHealthy();
        assertDashboardQueriesAnswer();
    }

    /** Every rule evaluated without error, and the one that must never fire is neither pending nor firing. */
    private void assertAlertRulesHealthy() throws Exception {
        await("every alert rule evaluated").atMost(PATIENCE).untilAsserted(() -> {
            List<String> health = new ArrayList<>();
            for (JsonNode group : prometheus.rules().path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    health.add(rule.path("name").asText() + "=" + rule.path("health").asText()
                            + (rule.path("lastError").asText().isEmpty() ? "" : " (" + rule.path("lastError").asText() + ")"));
                }
            }
            assertThat(health).hasSize(AlertRulesIT.ALERTS.size()).allSatisfy(h -> assertThat(h).contains("=ok"));
        });
        List<String> active = new ArrayList<>();
        prometheus.alerts().forEach(a -> active.add(a.path("labels").path("alertname").asText() + " " + a.path("state")));
        System.out.println("alerts pending or firing: " + active);
        assertThat(active).noneMatch(a -> a.startsWith("SchedlockMultipleLeaders"));
        System.out.println("most leaders Prometheus saw at once: "
                + prometheus.query("max_over_time(sum by (lock) (schedlock_lease_leader)[10m:1s])"));
    }

    /** Each dashboard query, with the variables set to "All", is valid PromQL and finds series. */
    private void assertDashboardQueriesAnswer() throws Exception {
        Map<String, List<Sample>> empty = new java.util.TreeMap<>();
        for (Map.Entry<String, String> panel : MonitoringQueries.dashboardPanels().entrySet()) {
            String promql = panel.getValue().replace("$namespace", ".*").replace("$lock", ".*")
                    .replace("$__rate_interval", "15s");
            List<Sample> result = prometheus.query(promql);
            if (result.isEmpty()) {
                empty.put(panel.getKey() + ": " + promql, result);
            }
        }
        assertThat(empty.keySet()).as("dashboard queries that found nothing").isEmpty();
        assertThat(prometheus.series("schedlock_lease_leader").findValuesAsText("namespace"))
                .as("values of the dashboard's namespace variable").contains("jobs");
        assertThat(prometheus.series("schedlock_lease_leader{namespace=~\"jobs\"}").findValuesAsText("lock"))
                .as("values of the dashboard's lock variable").contains(LOCK);
    }

    /** The sidecar Prometheus now sees leading, if exactly one is. */
    private Optional<RealSidecar> leader() throws Exception {
        List<String> pods = prometheus.query("schedlock_lease_leader == 1").stream()
                .map(s -> s.labels().get("pod")).collect(Collectors.toList());
        if (pods.size() != 1) {
            return Optional.empty();
        }
        return sidecars.stream().filter(s -> s.pod().equals(pods.get(0))).findFirst();
    }

    /** Scrapes every second, as the operator's ServiceMonitor would, with namespace and pod labels. */
    private String config() throws InterruptedException {
        StringBuilder targets = new StringBuilder();
        for (RealSidecar sidecar : sidecars) {
            targets.append("      - targets: ['").append(sidecar.statusAddress()).append("']\n")
                    .append("        labels: {namespace: jobs, pod: ").append(sidecar.pod()).append("}\n");
        }
        return """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 800ms
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: %s
                    static_configs:
                %s""".formatted(Repo.ALERTS, JOB, targets);
    }
}
