package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.operator.reconciler.OperatorMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every metric the alerts and the dashboard read is one a real sidecar (or the operator) exports. */
class MetricNamesIT {

    /** A sample line's metric name: everything before the labels or the value. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");
    /** Made by Prometheus for every target, not exported by anyone. */
    private static final Set<String> SYNTHETIC = Set.of("up");
    private static final String OPERATOR_PREFIX = "schedlock_operator_";
    /** The alerts' series that the operator, not a sidecar, exports. */
    private static final Set<String> OPERATOR_METRICS = Set.of(OperatorMetrics.CONDITION,
            OperatorMetrics.RECONCILE_FAILURES);

    @TempDir
    Path dir;

    @Test
    void shouldUseOnlyMetricsARealSidecarExports() throws Exception {
        String exposition;
        try (RealSidecar sidecar = RealSidecar.start("pod-a", dir.resolve("lease.db"), "jobs.billing", dir)) {
            // The status server listens before the elector binds its gauges, one by one: wait
            // until the sidecar has started (the gauges are bound), then until it leads.
            sidecar.awaitStarted();
            exposition = await("the sidecar's lease gauges").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(sidecar::scrape, body -> body.contains("schedlock_lease_leader{"));
        }
        Set<String> exported = new TreeSet<>();
        exposition.lines().forEach(line -> {
            Matcher m = SAMPLE.matcher(line);
            if (m.find()) {
                exported.add(m.group(1));
            }
        });
        Set<String> used = MonitoringQueries.metricNames();
        System.out.println("metrics used by the alerts and the dashboard: " + used);

        assertThat(used).as("metric names found in the alerts and the dashboard")
                .contains("schedlock_lease_leader", "schedlock_lease_heartbeat_latency_seconds_bucket");
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exported);
        missing.removeAll(SYNTHETIC);
        // The operator's own series: OperatorProcessIT checks that the packaged operator exports them.
        assertThat(missing.stream().filter(n -> n.startsWith(OPERATOR_PREFIX)).toList())
                .containsExactlyInAnyOrderElementsOf(OPERATOR_METRICS);
        missing.removeAll(OPERATOR_METRICS);
        assertThat(missing).as("metrics used but not exported by the sidecar (it exports %s)", exported).isEmpty();
    }
}
