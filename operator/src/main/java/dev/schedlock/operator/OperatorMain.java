package dev.schedlock.operator;

import dev.schedlock.operator.reconciler.ClusterCapabilities;
import dev.schedlock.operator.reconciler.ClusterCapabilities.NativeSidecars;
import dev.schedlock.operator.reconciler.HttpLeaseStatusClient;
import dev.schedlock.operator.reconciler.OperatorMetrics;
import dev.schedlock.operator.reconciler.SchedulerDeploymentReconciler;
import dev.schedlock.rules.Durations;
import dev.schedlock.rules.HostPort;
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
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
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
        description = "Runs SchedulerDeployments: pods with the schedlock sidecar, and who leads them.",
        footer = {"", Durations.HELP})
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
            defaultValue = "${env:SCHEDLOCK_LEADER_POLL_INTERVAL:-5s}", converter = PositiveDuration.class,
            description = "How often each resource's sidecars are asked who leads (500ms, 5s, 1m30s)."
                    + " Env SCHEDLOCK_LEADER_POLL_INTERVAL. Default: ${DEFAULT-VALUE}")
    Duration leaderPollInterval;

    @Option(names = "--native-sidecars", paramLabel = "auto|always|never",
            defaultValue = "${env:SCHEDLOCK_NATIVE_SIDECARS:-auto}",
            description = "Inject the sidecar as a native sidecar: auto (Kubernetes >= 1.29), always or never."
                    + " Env SCHEDLOCK_NATIVE_SIDECARS. Default: ${DEFAULT-VALUE}")
    NativeSidecars nativeSidecars;

    @Option(names = "--leader-election", negatable = true, defaultValue = "${env:SCHEDLOCK_LEADER_ELECTION:-true}",
            fallbackValue = "true",
            description = "Elect one active replica through a Lease. Env SCHEDLOCK_LEADER_ELECTION. Default: true")
    boolean leaderElection;

    @Option(names = "--leader-election-namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE:-}",
            description = "Namespace of the operator's Lease. Env POD_NAMESPACE (downward API).")
    String leaseNamespace;

    @Option(names = "--leader-election-lease-name", paramLabel = "NAME",
            defaultValue = "${env:SCHEDLOCK_LEADER_ELECTION_LEASE_NAME:-schedlock-operator}",
            converter = LeaseName.class,
            description = "Name of the operator's Lease: operators sharing it elect one active replica, so two"
                    + " installations in one namespace need two names. Env SCHEDLOCK_LEADER_ELECTION_LEASE_NAME."
                    + " Default: ${DEFAULT-VALUE}")
    String leaseName;

    @Option(names = "--health-address", paramLabel = "HOST:PORT",
            defaultValue = "${env:SCHEDLOCK_HEALTH_ADDRESS:-0.0.0.0:8080}", converter = HostPortConverter.class,
            description = "Probes (/healthz, /readyz) and /metrics; an IPv6 host in brackets ([::]:8080)."
                    + " Env SCHEDLOCK_HEALTH_ADDRESS. Default: ${DEFAULT-VALUE}")
    HostPort healthAddress;

    @Option(names = "--service-monitor-labels", paramLabel = "KEY=VALUE", split = ",",
            defaultValue = "${env:SCHEDLOCK_SERVICE_MONITOR_LABELS}",
            description = "Labels of every ServiceMonitor made for a SchedulerDeployment, below its own"
                    + " spec.monitoring.serviceMonitorLabels: what your Prometheus selects ServiceMonitors by"
                    + " (kube-prometheus-stack: release=<its release name>). Env SCHEDLOCK_SERVICE_MONITOR_LABELS.")
    Map<String, String> serviceMonitorLabels;

    @Option(names = "--log-format", paramLabel = "plain|json", defaultValue = "${env:SCHEDLOCK_LOG_FORMAT:-plain}",
            description = "Log lines as plain text or one JSON object each. Env SCHEDLOCK_LOG_FORMAT.")
    LogFormat logFormat;

    /** How log lines are written. */
    enum LogFormat { PLAIN, JSON }

    /** Exit code of a bad flag or flag value, as the sidecar's. */
    static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with enum values in any case and a bad flag answered in one line with exit 2. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new OperatorMain());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("schedlock-operator: " + e.getMessage() + " (see --help)");
            return EXIT_USAGE;
        });
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        if (logFormat == LogFormat.JSON) {
            // Before the first logger exists: logback reads this once.
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        Logger log = LoggerFactory.getLogger(OperatorMain.class);
        Duration pollInterval = leaderPollInterval;

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
                        .aLeaderElectionConfiguration(leaseName)
                        .withLeaseNamespace(leaseNamespace.isBlank() ? null : leaseNamespace)
                        // JOSDK's own exit calls System.exit() from operator.stop() inside our shutdown
                        // hook, where it blocks for ever; exit ourselves, and only when the Lease is lost.
                        .withExitOnStopLeading(false)
                        .withLeaderCallbacks(new LeaderCallbacks(() -> { }, () -> exitUnlessStopping(stopping, log),
                                leader -> { }))
                        .build());
            }
        });
        ClusterCapabilities capabilities = new ClusterCapabilities(client, sidecarImage, nativeSidecars,
                Duration.ofMinutes(5), System::nanoTime, serviceMonitorLabels == null ? Map.of() : serviceMonitorLabels);
        OperatorMetrics metrics = new OperatorMetrics(registry);
        registry.getPrometheusRegistry().register(metrics);
        SchedulerDeploymentReconciler reconciler = new SchedulerDeploymentReconciler(client, capabilities,
                new HttpLeaseStatusClient(Duration.ofSeconds(2)), pollInterval, Clock.systemUTC(), metrics);
        Set<String> watched = namespaces.stream().map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        operator.register(reconciler, c -> {
            if (watched.isEmpty()) {
                c.watchingAllNamespaces();
            } else {
                c.settingNamespaces(watched);
            }
        });

        try (HealthServer probes = new HealthServer(healthAddress.toSocketAddress(),
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

    /** A duration ({@link Durations}, the grammar of every duration in schedlock) that is more than 0. */
    static final class PositiveDuration implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d;
            try {
                d = Durations.parse(value.strip());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
            if (d.isZero()) {
                throw new CommandLine.TypeConversionException("must be positive, e.g. 5s");
            }
            return d;
        }
    }

    /** A listen address ({@link HostPort}); a bad value becomes a usage error that names the flag. */
    static final class HostPortConverter implements CommandLine.ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            try {
                return HostPort.parse(value, "0.0.0.0:8080 or [::]:8080");
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** A Lease name: a DNS subdomain (lower case letters, digits, '-' and '.'), at most 253 characters. */
    static final class LeaseName implements CommandLine.ITypeConverter<String> {
        private static final Pattern SUBDOMAIN =
                Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

        @Override
        public String convert(String value) {
            if (value.length() > 253 || !SUBDOMAIN.matcher(value).matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a Lease name: use lower case"
                        + " letters, digits, '-' and '.', e.g. schedlock-operator");
            }
            return value;
        }
    }
}
