package dev.schedlock.sidecar.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.rules.Durations;
import dev.schedlock.sidecar.api.ControlApi;
import dev.schedlock.sidecar.api.SignalFile;
import dev.schedlock.sidecar.api.StatusServer;
import dev.schedlock.sidecar.api.StepDownFile;
import dev.schedlock.sidecar.lease.ElectorRunner;
import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.LeaseSnapshot;
import dev.schedlock.sidecar.lease.LeaseState;
import dev.schedlock.sidecar.lease.MonotonicClock;
import dev.schedlock.sidecar.metrics.MicrometerLeaseMetrics;
import dev.schedlock.sidecar.store.HolderIdentity;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.ReleaseWatch;
import dev.schedlock.sidecar.store.StoreException;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The composition root of the sidecar process: builds every part by constructor injection and
 * starts and stops them in order. No DI framework.
 *
 * <p>Start: config → store → status server (probes answer during migration, /readyz false) →
 * migrate → elector → signal file → control API. Stop: stop granting and tell watchers (the
 * control API keeps answering so that clients can return claims) → drain → release → control
 * API → status server → store.
 */
public final class Sidecar implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Sidecar.class.getName());
    /** Ends every /readyz reason about the store: the details are logged, never shown on the network. */
    private static final String SEE_LOG = " (details in the sidecar log)";

    /**
     * Where the parts listen and write; everything else comes through {@link LeaseConfig}.
     *
     * @param historyRetention 1h to 3650d: pruning runs hourly, and less than an hour would delete
     *                         the history while it is being written
     * @param stepDownFile     a downward API file with step-down requests ({@link StepDownFile}), or null
     */
    public record Wiring(InetSocketAddress controlAddress, InetSocketAddress statusAddress, Path signalFile,
                         boolean nativeSidecar, Duration historyRetention, Path stepDownFile) {

        public static final Duration MIN_HISTORY_RETENTION = Duration.ofHours(1);

        public Wiring {
            requireValidHistoryRetention(historyRetention);
        }

        /** @throws IllegalArgumentException naming {@code history-retention} */
        public static void requireValidHistoryRetention(Duration historyRetention) {
            if (historyRetention.compareTo(MIN_HISTORY_RETENTION) < 0
                    || historyRetention.compareTo(Durations.MAX) > 0) {
                throw new IllegalArgumentException("history-retention (" + LeaseConfig.fmt(historyRetention)
                        + ") must be between 1h and " + Durations.MAX.toDays() + "d: the history is pruned hourly;"
                        + " the default is 30d");
            }
        }
    }

    private final LeaseConfig config;
    private final LeaseStore store;
    private final HolderIdentity identity;
    private final Wiring wiring;
    private final ObjectMapper json = new ObjectMapper();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "schedlock-housekeeping");
        t.setDaemon(true);
        return t;
    });

    private volatile boolean migrated;
    private volatile String notReadyReason = "starting";
    private StatusServer status;
    private MicrometerLeaseMetrics metrics;
    private LeaseElector elector;
    private ElectorRunner runner;
    private ControlApi control;
    /** Wakes this candidate when the holder releases: NOTIFY on PostgreSQL, a data-version poll on SQLite. */
    private ReleaseWatch releaseWatch;
    /** Read by the status server's threads ({@link #readiness()}). */
    private volatile SignalFile signal;
    private StepDownFile stepDownFile;
    private volatile boolean stopped;

    public Sidecar(LeaseConfig config, LeaseStore store, HolderIdentity identity, Wiring wiring) {
        this.config = config;
        this.store = store;
        this.identity = identity;
        this.wiring = wiring;
    }

    /**
     * Starts every part. Returns once the control API listens.
     *
     * @throws IOException        a listen address is in use or not available
     * @throws StoreException     a store error that waiting cannot fix ({@link StoreException#isPermanent()})
     */
    public void start() throws IOException, InterruptedException {
        bindProcessMetrics();
        status = new StatusServer(wiring.statusAddress(), this::readiness, registry::scrape, json);
        status.start();
        LOG.log(Level.INFO, "status server on http://{0} (/healthz /readyz /metrics /v1/lease /v1/history)",
                hostPort(status.address()));

        migrateWithRetry();

        metrics = new MicrometerLeaseMetrics(registry, config.lockName());
        elector = new LeaseElector(config, store, identity, MonotonicClock.SYSTEM,
                () -> ThreadLocalRandom.current().nextDouble(), metrics);
        metrics.bindSnapshot(elector::snapshot, MonotonicClock.SYSTEM);
        status.attach(elector);
        status.attachHistory(limit -> store.recentHistory(config.lockName(), limit));
        runner = new ElectorRunner(elector);
        // Bind before the elector runs (serve only at the end): a taken port must stop the start
        // before this process acquires the lease, not after.
        control = new ControlApi(wiring.controlAddress(), elector, runner::requestStepDown, json);
        runner.start();
        // A release in the store wakes this candidate at once instead of at its next retry.
        releaseWatch = store.releaseWatch(config.lockName(), runner::wake);
        releaseWatch.start();
        // While it runs, a standby sleeps until the holding it saw can expire, not one retry.
        elector.wakesOnRelease(releaseWatch::isLive);

        if (wiring.signalFile() != null) {
            signal = new SignalFile(wiring.signalFile(), elector, json, System::currentTimeMillis);
            signal.start();
            LOG.log(Level.INFO, "signal file {0}", signal.path());
        }

        if (wiring.stepDownFile() != null) {
            stepDownFile = new StepDownFile(wiring.stepDownFile(), identity.pod(), this::isLeader,
                    runner::requestStepDown, json);
            stepDownFile.start();
            LOG.log(Level.INFO, "step-down requests from {0}", stepDownFile.path());
        }

        control.start();
        LOG.log(Level.INFO, "control API on http://{0} (lock {1}, holder {2}, ttl {3}, heartbeat {4}, permit-ttl {5},"
                        + " takeover {6}, permit mode {7})",
                hostPort(control.address()), config.lockName(), identity.id(), LeaseConfig.fmt(config.ttl()),
                LeaseConfig.fmt(config.heartbeatInterval()), LeaseConfig.fmt(config.permitTtl()),
                config.takeoverPolicy().cliName(), config.permitMode().cliName());

        if (config.idleStepDownEnabled()) {
            LOG.log(Level.INFO, "idle step-down on: leading {0} without handing a permit (GET /v1/lease, /allowed) or"
                    + " a claim to the app steps down; the signal file does not count as the app asking",
                    LeaseConfig.fmt(config.idleStepDown()));
        }
        long retentionMillis = wiring.historyRetention().toMillis();
        housekeeping.scheduleWithFixedDelay(() -> pruneHistory(retentionMillis), 1, 60, TimeUnit.MINUTES);
        housekeeping.scheduleWithFixedDelay(this::measureClockOffset, 0, 60, TimeUnit.SECONDS);
    }

    private void migrateWithRetry() throws InterruptedException {
        long backoffMillis = Math.max(200, config.retryInterval().toMillis());
        // At most a TTL between attempts (and 30 s): once the store is back, a leader is then
        // elected within TTL + retry, as it would be after an outage of a running sidecar.
        long maxBackoffMillis = Math.max(backoffMillis, Math.min(30_000, config.ttl().toMillis()));
        while (true) {
            try {
                store.migrate();
                migrated = true;
                LOG.log(Level.INFO, "store {0} at schema version {1}, store id {2}", store.describe(),
                        store.schemaVersion(), store.storeId());
                return;
            } catch (StoreException e) {
                notReadyReason = publicReason(e.kind());
                if (e.isPermanent()) {
                    throw e;
                }
                LOG.log(Level.ERROR, "store not usable yet, retrying in {0} ms: {1}", backoffMillis, e.getMessage());
                Thread.sleep(backoffMillis); // production back-off between store attempts, not a test wait
                backoffMillis = Math.min(backoffMillis * 2, maxBackoffMillis);
            }
        }
    }

    private void pruneHistory(long retentionMillis) {
        try {
            int deleted = store.pruneHistory(store.storeTimeMillis() - retentionMillis);
            if (deleted > 0) {
                LOG.log(Level.INFO, "pruned {0} lease history rows older than {1}", deleted,
                        LeaseConfig.fmt(Duration.ofMillis(retentionMillis)));
            }
        } catch (StoreException e) {
            LOG.log(Level.WARNING, "history prune failed, will retry in an hour: {0}", e.getMessage());
        }
    }

    private void measureClockOffset() {
        try {
            long before = System.currentTimeMillis();
            long storeNow = store.storeTimeMillis();
            long after = System.currentTimeMillis();
            metrics.storeClockOffset((storeNow - (before + after) / 2.0) / 1000.0);
        } catch (StoreException e) {
            LOG.log(Level.DEBUG, "clock offset not measured: {0}", e.getMessage());
        }
    }

    StatusServer.Readiness readiness() {
        if (!migrated) {
            return new StatusServer.Readiness(false, notReadyReason);
        }
        LeaseElector current = elector;
        if (current == null) {
            return new StatusServer.Readiness(false, "starting the elector");
        }
        LeaseSnapshot s = current.snapshot();
        return switch (s.state()) {
            case DEGRADED -> new StatusServer.Readiness(false, degradedReason(s.reason()));
            case STOPPED -> new StatusServer.Readiness(false, "stopped");
            default -> signalFileReadiness(s);
        };
    }

    /**
     * Ready, unless the signal file cannot be written: an app that relies on the file sees no
     * permit then, so the pod is not ready, and the cause is in the log. The lease is kept: the
     * HTTP API still answers, and handing the lease on would not fix the file.
     */
    private StatusServer.Readiness signalFileReadiness(LeaseSnapshot s) {
        String state = s.state().name().toLowerCase(java.util.Locale.ROOT);
        SignalFile current = signal;
        java.util.Optional<String> failure = current == null ? java.util.Optional.empty() : current.failure();
        return failure.map(f -> new StatusServer.Readiness(false, state + ", but " + f))
                .orElseGet(() -> new StatusServer.Readiness(true, state));
    }

    /**
     * What {@code /readyz} says about a store error: its kind, without the store's URL, path or
     * user (anyone who reaches the pod can read it); the message with those goes to the log.
     */
    static String publicReason(StoreException.Kind kind) {
        String what = switch (kind) {
            case UNAVAILABLE -> "store unreachable";
            case TIMEOUT -> "store too slow (statement timeout)";
            case CORRUPT -> "store file damaged or not a SQLite database";
            case FOREIGN_DATABASE -> "store database belongs to another application";
            case NEWER_SCHEMA -> "store schema is newer than this sidecar";
            case READ_ONLY -> "store is read-only";
            case CANNOT_OPEN -> "store cannot be opened (path, permissions, database or credentials)";
            case UNSUPPORTED -> "store location not supported";
            case NOT_MIGRATED -> "store schema not migrated";
            default -> "store not usable";
        };
        return what + SEE_LOG;
    }

    /**
     * What {@code /readyz} says of a DEGRADED elector: the elector's reason up to its first
     * {@code ": "} ("store failing", "store replaced under the lease", "local deadline passed
     * without a successful renewal"); what follows names the store (path, URL, user) and stays in
     * the log, which has the whole reason.
     */
    static String degradedReason(String reason) {
        int details = reason.indexOf(": ");
        return (details < 0 ? reason : reason.substring(0, details)) + SEE_LOG;
    }

    /** Fields added to every log line: lock, holder, token, and the store id once known. Takes no lock. */
    public Map<String, Object> logContext() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("lock", config.lockName());
        context.put("holder", identity.id());
        LeaseElector current = elector;
        long token = current == null ? 0 : current.heldToken();
        context.put("token", token);
        if (store.storeId() != null) {
            context.put("storeId", store.storeId());
        }
        return context;
    }

    /**
     * Waits until this sidecar leads, then asks each server once (lease, allowed, readiness,
     * metrics), as a running sidecar's clients would. Used by the image build's training run.
     */
    void exerciseOnceLeading() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + config.ttl().toNanos() * 2;
        while (!isLeader()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("did not lead within two TTLs");
            }
            Thread.sleep(20); // a one-off training run, polling its own elector
        }
        HttpClient http = HttpClient.newHttpClient();
        String controlBase = "http://" + hostPort(control.address());
        String statusBase = "http://" + hostPort(status.address());
        for (String uri : new String[] {controlBase + "/v1/lease", controlBase + "/v1/lease/allowed",
            statusBase + "/readyz", statusBase + "/healthz", statusBase + "/metrics", statusBase + "/v1/lease"}) {
            http.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    public InetSocketAddress controlAddress() {
        return control.address();
    }

    public InetSocketAddress statusAddress() {
        return status.address();
    }

    public LeaseElector elector() {
        return elector;
    }

    /**
     * Graceful stop: no new permits and watchers told at once; wait until claims are returned or
     * permits expired (bounded by the drain timeout; a native sidecar skips the wait because the
     * kubelet already stopped the main containers); release so the next candidate leads at once.
     */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        housekeeping.shutdownNow();
        if (stepDownFile != null) {
            stepDownFile.close();
        }
        if (runner != null) {
            // First: the watchers hear RELEASING at once, and the handoff does not wait for anything else.
            boolean released = runner.shutdown(wiring.nativeSidecar());
            LOG.log(Level.INFO, released ? "released the lease" : "stopped without holding the lease");
        }
        if (releaseWatch != null) {
            releaseWatch.close();
        }
        if (signal != null) {
            signal.close();
        }
        if (control != null) {
            control.close();
        }
        if (status != null) {
            status.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        store.close();
    }

    public boolean isLeader() {
        LeaseElector current = elector;
        return current != null && current.snapshot().state() == LeaseState.LEADER;
    }

    private void bindProcessMetrics() {
        // Two of Micrometer's process meters break Prometheus naming rules (promtool check
        // metrics flags them): process_cpu_time_ns_total (abbreviated unit) and system_cpu_count
        // (a _count suffix on a gauge). process_cpu_usage and system_cpu_usage stay.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")
                || id.getName().equals("system.cpu.count")));
        // JVM and process metrics that matter for a sidecar: memory, threads, CPU, uptime, file
        // descriptors. The GC-pause and class-loading binders are left out on purpose: together
        // they cost about 3.5 MiB of resident memory (docs/benchmarks.md, "Sidecar footprint"),
        // and memory pools already show a heap under pressure.
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
