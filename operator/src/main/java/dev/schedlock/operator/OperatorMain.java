package dev.schedlock.operator;

import dev.schedlock.operator.model.GoDurations;
import dev.schedlock.operator.reconciler.ClusterCapabilities;
import dev.schedlock.operator.reconciler.ClusterCapabilities.NativeSidecars;
import dev.schedlock.operator.reconciler.HttpLeaseStatusClient;
import dev.schedlock.operator.reconciler.SchedulerDeploymentReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Composition root of the operator process: reads flags (each with an env var), builds the client,
 * the reconciler, metrics and probes, and runs until SIGTERM. Two replicas elect one active
 * operator through a coordination.k8s.io Lease (JOSDK leader election); the other waits.
 */
@Command(name = "schedlock-operator", mixinStandardHelpOptions = true,
        description = "Runs SchedulerDeployments: pods with the schedlock sidecar, and who leads them.")
public final class OperatorMain implements Callable<Integer> {

    @Option(names = "--namespaces", paramLabel = "NS", split = ",",
            defaultValue = "${env:SCHEDLOCK_WATCH_NAMESPACES:-}",
            description = "Namespaces to watch; empty for all. Env SCHEDLOCK_WATCH_NAMESPACES.")
    Set<String> namespaces;

    @Option(names = "--sidecar-image", paramLabel = "IMAGE",
            defaultValue = "${env:SCHEDLOCK_SIDECAR_IMAGE:-ghcr.io/schedlock/sidecar:0.1.0}",
            description = "Sidecar image for resources that do not name one. Env SCHEDLOCK_SIDECAR_IMAGE."
                    + " Default: ${DEFAULT-VALUE}")
    String sidecarImage;

    @Option(names = "--leader-poll-interval", paramLabel = "DURATION",
            defaultValue = "${env:SCHEDLOCK_LEADER_POLL_INTERVAL:-5s}",
            description = "How often each resource's sidecars are asked who leads (500ms, 5s, 1m)."
                    + " Env SCHEDLOCK_LEADER_POLL_INTERVAL. Default: ${DEFAULT-VALUE}")
    String leaderPollInterval;

    @Option(names = "--native-sidecars", paramLabel = "auto|always|never",
            defaultValue = "${env:SCHEDLOCK_NATIVE_SIDECARS:-auto}",
            description = "Inject the sidecar as a native sidecar: auto (Kubernetes >= 1.29), always or never."
                    + " Env SCHEDLOCK_NATIVE_SIDECARS. Default: ${DEFAULT-VALUE}")
    String nativeSidecars;

    @Option(names = "--leader-election", negatable = true, defaultValue = "${env:SCHEDLOCK_LEADER_ELECTION:-true}",
            fallbackValue = "true",
            description = "Elect one active replica through a Lease. Env SCHEDLOCK_LEADER_ELECTION. Default: true")
    boolean leaderElection;

    @Option(names = "--leader-election-namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE:-}",
            description = "Namespace of the operator's Lease. Env POD_NAMESPACE (downward API).")
    String leaseNamespace;

    @Option(names = "--health-address", paramLabel = "HOST:PORT",
            defaultValue = "${env:SCHEDLOCK_HEALTH_ADDRESS:-0.0.0.0:8080}",
            description = "Probes (/healthz, /readyz) and /metrics. Env SCHEDLOCK_HEALTH_ADDRESS. Default: ${DEFAULT-VALUE}")
    String healthAddress;

    @Option(names = "--log-format", paramLabel = "plain|json", defaultValue = "${env:SCHEDLOCK_LOG_FORMAT:-plain}",
            description = "Log lines as plain text or one JSON object each. Env SCHEDLOCK_LOG_FORMAT.")
    String logFormat;

    public static void main(String[] args) {
        System.exit(new CommandLine(new OperatorMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if ("json".equalsIgnoreCase(logFormat)) {
            // Before the first logger exists: logback reads this once.
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        Logger log = LoggerFactory.getLogger(OperatorMain.class);
        NativeSidecars nativeMode = NativeSidecars.valueOf(nativeSidecars.trim().toUpperCase(Locale.ROOT));
        Duration pollInterval = GoDurations.parse(leaderPollInterval);
        if (pollInterval.isZero()) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--leader-poll-interval must be positive, e.g. 5s");
        }

        KubernetesClient client = new KubernetesClientBuilder().build();
        AtomicBoolean stopping = new AtomicBoolean();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client)
                    // See docs/decisions/0005-operator-apply-strategy.md.
                    .withUseSSAToPatchPrimaryResource(false)
                    // Per-controller meters only: per-resource tags would mean thousands of series at scale.
                    .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
            if (leaderElection) {
                o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder
                        .aLeaderElectionConfiguration("schedlock-operator")
                        .withLeaseNamespace(leaseNamespace.isBlank() ? null : leaseNamespace)
                        // JOSDK's own exit calls System.exit() from operator.stop() inside our shutdown
                        // hook, where it blocks for ever; exit ourselves, and only when the Lease is lost.
                        .withExitOnStopLeading(false)
                        .withLeaderCallbacks(new LeaderCallbacks(() -> { }, () -> exitUnlessStopping(stopping, log),
                                leader -> { }))
                        .build());
            }
        });
        ClusterCapabilities capabilities = new ClusterCapabilities(client, sidecarImage, nativeMode,
                Duration.ofMinutes(5), System::nanoTime);
        SchedulerDeploymentReconciler reconciler = new SchedulerDeploymentReconciler(client, capabilities,
                new HttpLeaseStatusClient(Duration.ofSeconds(2)), pollInterval, Clock.systemUTC());
        Set<String> watched = namespaces.stream().map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        operator.register(reconciler, c -> {
            if (watched.isEmpty()) {
                c.watchingAllNamespaces();
            } else {
                c.settingNamespaces(watched);
            }
        });

        HostPort health = HostPort.parse(healthAddress);
        try (HealthServer probes = new HealthServer(new InetSocketAddress(health.host(), health.port()),
                () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy(),
                registry::scrape)) {
            probes.start();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stopping.set(true);
                log.info("stopping");
                operator.stop();
                stopped.countDown();
            }, "schedlock-operator-shutdown"));
            operator.start();
            log.info("started: namespaces {}, sidecar image {}, leader poll {}, leader election {}, probes on {}",
                    watched.isEmpty() ? "all" : watched, sidecarImage, pollInterval, leaderElection,
                    probes.address());
            stopped.await();
        }
        return 0;
    }

    /**
     * A replica that lost the Lease while running must stop reconciling at once, or two replicas
     * would: exit, and let the Deployment restart it as a standby.
     */
    private static void exitUnlessStopping(AtomicBoolean stopping, Logger log) {
        if (!stopping.get()) {
            log.error("lost the operator Lease; exiting so that only one replica reconciles");
            // From another thread: System.exit() waits for the shutdown hooks to finish.
            new Thread(() -> System.exit(1), "schedlock-operator-exit").start();
        }
    }

    /** {@code host:port}. */
    record HostPort(String host, int port) {
        static HostPort parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("'" + text + "' is not HOST:PORT, e.g. 0.0.0.0:8080");
            }
            return new HostPort(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        }
    }
}
