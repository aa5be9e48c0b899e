package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.api.v1alpha1.LeaderStatus;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeploymentStatus;
import dev.schedlock.operator.api.v1alpha1.StepDownStatus;
import dev.schedlock.operator.model.DeploymentModel;
import dev.schedlock.operator.model.DesiredState;
import dev.schedlock.operator.model.Labels;
import dev.schedlock.operator.model.LockIdentity;
import dev.schedlock.operator.model.ModelContext;
import dev.schedlock.operator.model.RolloutPlan;
import dev.schedlock.operator.model.SidecarContainer;
import dev.schedlock.operator.model.SpecValidator;
import dev.schedlock.operator.model.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.ResourceIDMapper;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.polling.PerResourcePollingConfigurationBuilder;
import io.javaoperatorsdk.operator.processing.event.source.polling.PerResourcePollingEventSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Thin reconciler: validate, apply the {@link DesiredState}, take who leads from the last poll of the
 * sidecars ({@link LeaderObservation}), write status.
 * Every decision lives in {@code model/} or in {@link StatusUpdate}; this class only calls them in order.
 */
@ControllerConfiguration(name = SchedulerDeploymentReconciler.NAME,
        // Every change to the resource reconciles, not only a new generation: a step-down request is an
        // annotation (metadata only), and with no periodic reconcile it would otherwise wait for the next
        // one. The operator's own status writes cause one more reconcile each, which writes nothing.
        generationAwareEventProcessing = false,
        // Leader changes arrive from the polling event source, object changes from the informers; this
        // only catches what neither reports (a ServiceMonitor CRD installed later, see ClusterCapabilities).
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
public final class SchedulerDeploymentReconciler implements Reconciler<SchedulerDeployment> {

    public static final String NAME = "schedulerdeployment";
    /** MDC key of the reconcile id; JOSDK adds resource.namespace and resource.name. */
    public static final String MDC_RECONCILE = "reconcile";

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerDeploymentReconciler.class);
    private static final AtomicLong RECONCILE_IDS = new AtomicLong();
    /** Threads polling the sidecars (see {@link #leaderPolling}). */
    static final int POLL_THREADS = 4;
    /** Failed attempts in a row before Ready turns False with the error. */
    static final int FAILURES_BEFORE_NOT_READY = 3;

    private final KubernetesClient client;
    private final Supplier<ModelContext> capabilities;
    private final ResourceApplier applier;
    private final LeaderPoll leaderPoll;
    private final PodRoles podRoles;
    private final ResourceEvents events;
    private final StepDowns stepDowns;
    private final LeaderMemory leaders = new LeaderMemory();
    private final Duration pollInterval;
    private final Clock clock;
    private final OperatorMetrics metrics;
    /** Set by {@link #prepareEventSources}: the pods of each resource, as the informer has them. */
    private volatile InformerEventSource<Pod, SchedulerDeployment> podSource;

    /**
     * @param pollInterval how often the sidecars are asked who leads (a reconcile follows only a change)
     */
    public SchedulerDeploymentReconciler(KubernetesClient client, Supplier<ModelContext> capabilities,
                                         LeaseStatusClient leaseStatus, Duration pollInterval, Clock clock) {
        this(client, capabilities, leaseStatus, pollInterval, clock, new OperatorMetrics(new SimpleMeterRegistry()));
    }

    /** @param metrics the operator's own metrics ({@link OperatorMetrics}), fed by this reconciler */
    public SchedulerDeploymentReconciler(KubernetesClient client, Supplier<ModelContext> capabilities,
                                         LeaseStatusClient leaseStatus, Duration pollInterval, Clock clock,
                                         OperatorMetrics metrics) {
        this.metrics = metrics;
        this.client = client;
        this.capabilities = capabilities;
        this.applier = new ResourceApplier(client);
        this.leaderPoll = new LeaderPoll(leaseStatus, Duration.ofSeconds(3));
        this.podRoles = new PodRoles(client);
        this.events = new ResourceEvents(client);
        this.stepDowns = new StepDowns(client);
        this.pollInterval = pollInterval;
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, SchedulerDeployment>> prepareEventSources(EventSourceContext<SchedulerDeployment> ctx) {
        String managed = Labels.MANAGED_BY + "=" + Labels.OPERATOR;
        // Pods belong to ReplicaSets, not to us: find their resource by the annotation we put on them.
        podSource = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, SchedulerDeployment.class)
                .withLabelSelector(Labels.INSTANCE)
                .withSecondaryToPrimaryMapper(pod -> {
                    String owner = pod.getMetadata().getAnnotations() == null ? null
                            : pod.getMetadata().getAnnotations().get(Labels.OWNER_ANNOTATION);
                    return owner == null ? Set.of()
                            : Set.of(new ResourceID(owner, pod.getMetadata().getNamespace()));
                })
                .build(), ctx);
        return List.of(
                owned(Deployment.class, managed, ctx),
                owned(Service.class, managed, ctx),
                owned(PodDisruptionBudget.class, managed, ctx),
                owned(PersistentVolumeClaim.class, managed, ctx),
                podSource,
                leaderPolling(ctx));
    }

    /**
     * Asks each resource's sidecars who leads every poll interval, outside of {@code reconcile}:
     * JOSDK compares each answer with the previous one and triggers a reconcile only when they
     * differ (a new leader, a pod that stopped answering). A poll blocks its thread until the
     * slowest pod answers or times out, so a few threads keep one hung pod from delaying the rest.
     */
    private PerResourcePollingEventSource<LeaderObservation, SchedulerDeployment, String> leaderPolling(
            EventSourceContext<SchedulerDeployment> ctx) {
        ScheduledExecutorService threads = Executors.newScheduledThreadPool(POLL_THREADS, runnable -> {
            Thread thread = new Thread(runnable, "leader-poll");
            thread.setDaemon(true);
            return thread;
        });
        return new PerResourcePollingEventSource<>(LeaderObservation.class, ctx,
                new PerResourcePollingConfigurationBuilder<LeaderObservation, SchedulerDeployment, String>(
                        sd -> Set.of(observe(sd, podSource.getSecondaryResources(sd))), pollInterval)
                        .withName("leader-poll")
                        .withExecutorService(threads)
                        .withResourceIDMapper(ResourceIDMapper.singleResourceResourceIDMapper())
                        .build());
    }

    private LeaderObservation observe(SchedulerDeployment sd, Collection<Pod> current) {
        return new LeaderObservation(LeaderObservation.askable(current),
                leaderPoll.poll(List.copyOf(current), SidecarContainer.statusPort(sd)));
    }

    private static <R extends HasMetadata> InformerEventSource<R, SchedulerDeployment> owned(
            Class<R> type, String labelSelector, EventSourceContext<SchedulerDeployment> ctx) {
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(type, SchedulerDeployment.class)
                .withLabelSelector(labelSelector).build(), ctx);
    }

    /** Reconciles begun in this JVM so far, by every instance (the ids of the log lines). */
    static long reconcilesStarted() {
        return RECONCILE_IDS.get();
    }

    @Override
    public UpdateControl<SchedulerDeployment> reconcile(SchedulerDeployment sd, Context<SchedulerDeployment> ctx) {
        // Every resource's conditions, read at scrape time from the cache this controller keeps.
        metrics.watch(() -> ctx.getPrimaryCache().list().toList());
        MDC.put(MDC_RECONCILE, Long.toString(RECONCILE_IDS.incrementAndGet()));
        try {
            return reconcileLogged(sd, ctx);
        } finally {
            MDC.remove(MDC_RECONCILE);
        }
    }

    private UpdateControl<SchedulerDeployment> reconcileLogged(SchedulerDeployment sd, Context<SchedulerDeployment> ctx) {
        Instant now = clock.instant();
        long generation = Optional.ofNullable(sd.getMetadata().getGeneration()).orElse(0L);
        SchedulerDeploymentStatus old = sd.getStatus();

        List<Problem> problems = SpecValidator.validate(sd.getSpec());
        if (!problems.isEmpty()) {
            // Nothing is applied: the pods keep running the last valid spec until the user fixes this one.
            LOG.warn("invalid spec, objects left as they are: {}", problems);
            return write(sd, old, StatusUpdate.invalid(old, generation, problems, now));
        }

        List<Pod> pods = new ArrayList<>(ctx.getSecondaryResources(Pod.class));
        Optional<Deployment> liveDeployment = ctx.getSecondaryResource(Deployment.class);
        RolloutPlan plan = RolloutPlan.of(LockIdentity.of(sd), liveDeployment, pods);
        DesiredState desired = DesiredState.of(sd, capabilities.get(), plan);
        try {
            desired.leaseClaim().ifPresent(c -> applier.apply(c, ctx.getSecondaryResource(PersistentVolumeClaim.class)));
            applier.apply(desired.statusService(), ctx.getSecondaryResource(Service.class));
            applier.apply(desired.disruptionBudget(), ctx.getSecondaryResource(PodDisruptionBudget.class));
            if (applier.apply(desired.deployment(), liveDeployment) != ResourceApplier.Outcome.UNCHANGED
                    && plan.holdReplicas()) {
                LOG.info("lock changed: no pod starts on the new lock before these of the old one are gone: {}",
                        plan.podsOnOtherLocks());
            }
            desired.serviceMonitor().ifPresent(this::applyServiceMonitor);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 422 && e.getCode() != 400) {
                throw e; // transient or unexpected: JOSDK retries with back-off
            }
            // The server's own words ("…containers[0].image: Required value"), without the request URL.
            String reason = e.getStatus() != null && e.getStatus().getMessage() != null
                    ? e.getStatus().getMessage() : e.getMessage();
            LOG.warn("API server rejected an object: {}", reason);
            return write(sd, old, StatusUpdate.rejected(old, generation,
                    "the API server rejected an object built from this spec (check spec.template): " + reason, now))
                    .rescheduleAfter(pollInterval);
        }

        // The last poll's answers, unless the pods changed since it (then ask them now, once).
        LeaderPoll.Result poll = ctx.getSecondaryResource(LeaderObservation.class)
                .filter(seen -> seen.madeOn(pods))
                .orElseGet(() -> observe(sd, pods))
                .result();
        podRoles.label(pods, poll.leader().map(LeaderPoll.PodReport::pod).orElse(null));
        int wanted = Optional.ofNullable(sd.getSpec().getReplicas()).orElse(DeploymentModel.DEFAULT_REPLICAS);
        LeaderStatus before = leaders.previous(sd);
        SchedulerDeploymentStatus next = StatusUpdate.observed(old, before, generation, wanted,
                ctx.getSecondaryResource(Deployment.class), poll, plan, now);
        next.setStepDown(stepDown(sd, next.getStepDown(), poll, now));
        events.recordChange(sd, before, next.getLeader(), now);
        leaders.remember(sd, next.getLeader());
        return write(sd, old, next);
    }

    /**
     * A new step-down request goes to the leading pod once; a pod that is gone by then is asked
     * nothing, and the request is looked at again at the next reconcile.
     */
    private StepDownStatus stepDown(SchedulerDeployment sd, StepDownStatus previous, LeaderPoll.Result poll,
                                    Instant now) {
        StepDowns.Decision decision = StepDowns.decide(StepDowns.requested(sd), previous, poll.leader(), now);
        if (decision.podToAsk().isPresent()) {
            try {
                stepDowns.ask(sd.getMetadata().getNamespace(), decision.podToAsk().get(), decision.status().getNonce());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
                LOG.info("pod {} is gone; the step-down request waits for the next leader", decision.podToAsk().get());
                return previous;
            }
        }
        return decision.status();
    }

    private void applyServiceMonitor(GenericKubernetesResource monitor) {
        applier.apply(monitor, Optional.ofNullable(client.resource(monitor).get()));
    }

    @Override
    public ErrorStatusUpdateControl<SchedulerDeployment> updateErrorStatus(SchedulerDeployment sd,
                                                                           Context<SchedulerDeployment> ctx,
                                                                           Exception e) {
        metrics.reconcileFailed();
        int attempt = ctx.getRetryInfo().map(RetryInfo::getAttemptCount).orElse(1);
        LOG.warn("reconcile failed (attempt {}), will retry: {}", attempt, e.toString(), e);
        if (attempt < FAILURES_BEFORE_NOT_READY && !ctx.getRetryInfo().map(RetryInfo::isLastAttempt).orElse(false)) {
            // A conflict or a blip of the API server: the retry will most likely pass; do not flap Ready.
            return ErrorStatusUpdateControl.noStatusUpdate();
        }
        SchedulerDeploymentStatus old = sd.getStatus();
        SchedulerDeploymentStatus next = StatusUpdate.failed(old,
                Optional.ofNullable(sd.getMetadata().getGeneration()).orElse(0L), e.toString(), clock.instant());
        if (!StatusUpdate.differs(old, next)) {
            return ErrorStatusUpdateControl.<SchedulerDeployment>noStatusUpdate();
        }
        events.recordProblem(sd, old, next, clock.instant());
        sd.setStatus(next);
        return ErrorStatusUpdateControl.patchStatus(sd);
    }

    /**
     * Patches the status only when it says something new (not merely a later timestamp), with a
     * Warning Event when it newly reports a problem.
     */
    private UpdateControl<SchedulerDeployment> write(SchedulerDeployment sd, SchedulerDeploymentStatus old,
                                                     SchedulerDeploymentStatus next) {
        // For the scale subresource (kubectl scale, autoscalers): the pods' selector, as -l takes it.
        next.setSelector(Labels.INSTANCE + "=" + Labels.selector(sd).get(Labels.INSTANCE));
        if (!StatusUpdate.differs(old, next)) {
            return UpdateControl.noUpdate();
        }
        events.recordProblem(sd, old, next, clock.instant());
        sd.setStatus(next);
        return UpdateControl.patchStatus(sd);
    }
}
