package dev.schedlock.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.model.RolloutPlan;
import dev.schedlock.operator.model.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One series per resource and condition, read from the status at scrape time; failures counted from 0. */
class OperatorMetricsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");

    @Test
    void shouldExportEachConditionOfEachResourceAndAResourceWithoutStatusAsNotReady() {
        SchedulerDeployment invalid = TestResources.sqlite("billing");
        invalid.setStatus(StatusUpdate.invalid(null, 1, List.of(new Problem("spec.store", "x")), NOW));
        SchedulerDeployment fresh = TestResources.sqlite("reports");

        assertThat(OperatorMetrics.samples(List.of(invalid, fresh))).containsExactly(
                new OperatorMetrics.ConditionSample("jobs", "billing", "Ready", "InvalidSpec", 0),
                new OperatorMetrics.ConditionSample("jobs", "reports", "Ready", "NotObserved", 0));
    }

    @Test
    void shouldScrapeTheConditionsOfTheWatchedCacheAndTheFailureCounterFromZero() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        OperatorMetrics metrics = new OperatorMetrics(registry);
        registry.getPrometheusRegistry().register(metrics);
        assertThat(registry.scrape()).as("before the first reconcile: no resource yet")
                .doesNotContain(OperatorMetrics.CONDITION + "{")
                .contains(OperatorMetrics.RECONCILE_FAILURES + " 0.0");

        SchedulerDeployment ready = TestResources.sqlite("billing");
        ready.setStatus(StatusUpdate.observed(null, null, 1, 2, Optional.of(new DeploymentBuilder().withNewStatus()
                        .withReplicas(2).withReadyReplicas(2).endStatus().build()),
                new LeaderPoll.Result(Optional.empty(), 2), RolloutPlan.rollingUpdate(), NOW));
        metrics.watch(() -> List.of(ready));
        metrics.reconcileFailed();

        assertThat(registry.scrape())
                .contains(OperatorMetrics.CONDITION + "{condition=\"Ready\",namespace=\"jobs\",reason=\"AllPodsReady\","
                        + "schedulerdeployment=\"billing\"} 1.0")
                .contains(OperatorMetrics.CONDITION + "{condition=\"LeaderElected\",namespace=\"jobs\",reason=\"NoLeader\","
                        + "schedulerdeployment=\"billing\"} 0.0")
                .contains(OperatorMetrics.RECONCILE_FAILURES + " 1.0");

        metrics.watch(List::of);
        assertThat(registry.scrape()).as("a deleted resource's series go with it")
                .doesNotContain(OperatorMetrics.CONDITION + "{");
    }
}
