package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.api.v1alpha1.Condition;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The operator's own metrics, beside JOSDK's per-controller ones:
 * <ul>
 *   <li>{@value #CONDITION}{@code {namespace, schedulerdeployment, condition, reason}}: 1 while the
 *       condition is True, 0 while False or Unknown, for every resource the active operator
 *       manages. A resource whose status has no Ready condition yet counts as Ready 0 with reason
 *       {@value #NOT_OBSERVED}. The series are read from the resources' status at scrape time, so a
 *       deleted resource's series are gone at the next scrape, and a resource that never gets a
 *       pod (an invalid spec) still has one, which {@code SchedlockNotReady} alerts on;</li>
 *   <li>{@value #RECONCILE_FAILURES}: reconciles that ended in an exception (JOSDK retries them),
 *       counted from 0 at start so that the first failure is an increase.</li>
 * </ul>
 * A standby operator replica reconciles nothing and so exports no condition series.
 */
public final class OperatorMetrics implements Collector {

    public static final String CONDITION = "schedlock_operator_condition";
    public static final String RECONCILE_FAILURES = "schedlock_operator_reconcile_failures_total";
    static final String NOT_OBSERVED = "NotObserved";

    /** One series of {@value #CONDITION}. */
    record ConditionSample(String namespace, String name, String condition, String reason, double value) {
    }

    private final Counter reconcileFailures;
    private volatile Supplier<Collection<SchedulerDeployment>> resources = List::of;

    /** @param registry where the failure counter lives; the condition series need {@link #register} too */
    public OperatorMetrics(MeterRegistry registry) {
        this.reconcileFailures = Counter.builder("schedlock.operator.reconcile.failures")
                .description("Reconciles of SchedulerDeployments that failed with an exception (they are retried)")
                .register(registry);
    }

    /** Where the resources come from at scrape time: the reconciler's cache, once it has one. */
    void watch(Supplier<Collection<SchedulerDeployment>> cache) {
        this.resources = cache;
    }

    void reconcileFailed() {
        reconcileFailures.increment();
    }

    @Override
    public MetricSnapshot collect() {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(CONDITION)
                .help("1 while the condition of the SchedulerDeployment is True, else 0; reason says why");
        for (ConditionSample s : samples(resources.get())) {
            gauge.dataPoint(GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("namespace", s.namespace(), "schedulerdeployment", s.name(),
                            "condition", s.condition(), "reason", s.reason()))
                    .value(s.value())
                    .build());
        }
        return gauge.build();
    }

    @Override
    public String getPrometheusName() {
        return CONDITION;
    }

    /** The series for {@code resources}: every condition of each, and Ready 0 for one without it. */
    static List<ConditionSample> samples(Collection<SchedulerDeployment> resources) {
        List<ConditionSample> samples = new ArrayList<>();
        for (SchedulerDeployment sd : resources) {
            String namespace = sd.getMetadata().getNamespace();
            String name = sd.getMetadata().getName();
            List<Condition> conditions = Optional.ofNullable(sd.getStatus()).map(s -> s.getConditions())
                    .orElseGet(List::of);
            if (Conditions.find(conditions, Conditions.READY) == null) {
                samples.add(new ConditionSample(namespace, name, Conditions.READY, NOT_OBSERVED, 0));
            }
            for (Condition c : conditions) {
                samples.add(new ConditionSample(namespace, name, c.getType(),
                        c.getReason() != null ? c.getReason() : "", Conditions.TRUE.equals(c.getStatus()) ? 1 : 0));
            }
        }
        return samples;
    }
}
