package dev.schedlock.charts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlNamesTest {

    @Test
    void shouldFindMetricsButNotFunctionsLabelsOrKeywords() {
        assertThat(PromQlNames.of("histogram_quantile(0.99, sum by (namespace, lock, le) (rate("
                + "schedlock_lease_heartbeat_latency_seconds_bucket{namespace=~\"$namespace\", lock=~\"$lock\"}"
                + "[$__rate_interval])))"))
                .containsExactly("schedlock_lease_heartbeat_latency_seconds_bucket");
        assertThat(PromQlNames.of("sum by (namespace, lock) (schedlock_lease_leader) > 1"))
                .containsExactly("schedlock_lease_leader");
        assertThat(PromQlNames.of("up{job=~\".+-status\"} == 0")).containsExactly("up");
        assertThat(PromQlNames.of("a_total / ignoring(kind) group_left b offset 5m and on(x) c bool > 2"))
                .containsExactly("a_total", "b", "c");
    }

    @Test
    void shouldReadTheSelectorOfGrafanaLabelValues() {
        assertThat(PromQlNames.of("label_values(schedlock_lease_leader{namespace=~\"$namespace\"}, lock)"))
                .containsExactly("schedlock_lease_leader");
    }
}
