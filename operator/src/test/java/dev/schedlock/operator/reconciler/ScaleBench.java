package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.Condition;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
import dev.schedlock.operator.api.v1alpha1.SidecarPorts;
import dev.schedlock.operator.api.v1alpha1.SidecarSpec;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scale benchmark, not a timed test: N SchedulerDeployments against the mock API server, the
 * packaged operator in its own JVM capped at 256 MiB of heap, {@link BenchKubelet} playing the
 * controllers and kubelet the mock server lacks (pods with IPs, Deployment status) and
 * {@link BenchSidecars} the pods' status endpoints. Reports:
 * <ol>
 *   <li>the time from the first create until every resource is {@code Ready=True} (its Deployment
 *       reports all replicas ready), and until every resource also has {@code LeaderElected=True};</li>
 *   <li>the steady state over a window once everything is Ready: the operator's write requests
 *       (POST, PUT, PATCH, DELETE) as the mock server recorded them, its reconciles (JOSDK's
 *       counter on /metrics), its CPU time, and the sidecar status requests;</li>
 *   <li>the operator's heap with every cache full, before and after a full GC.</li>
 * </ol>
 *
 * <pre>./mvnw -pl operator -Pbench verify -Dbench.args="1000 --threads=1 --window=60s"</pre>
 *
 * Flags: {@code --threads=N} client threads creating the resources (1: one after another, as a
 * loop of {@code kubectl create}; more: as {@code kubectl apply -f dir/} does not, but a CI job or
 * GitOps tool applying in parallel does); {@code --window=DURATION} of the steady state;
 * {@code --poll=DURATION} the operator's {@code --leader-poll-interval} (its default, 5 s, unless
 * given); {@code --operator-arg=ARG} passed on to the operator (repeatable).
 */
public final class ScaleBench {

    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\".*} (\\S+)$",
            Pattern.MULTILINE);
    /** JOSDK's per-controller reconcile counter (MicrometerMetrics: operator.sdk.reconciliations.started). */
    private static final Pattern RECONCILES = Pattern.compile(
            "^operator_sdk_reconciliations_started_total\\{[^}]*} (\\S+)$", Pattern.MULTILINE);
    private static final String BENCH_AGENT = "schedlock-scale-bench";
    private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        int count = 1000;
        int threads = 1;
        String poll = "5s";
        Duration window = Duration.ofSeconds(60);
        List<String> operatorArgs = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--threads=")) {
                threads = Integer.parseInt(arg.substring("--threads=".length()));
            } else if (arg.startsWith("--window=")) {
                window = dev.schedlock.rules.Durations.parse(arg.substring("--window=".length()));
            } else if (arg.startsWith("--poll=")) {
                poll = arg.substring("--poll=".length());
            } else if (arg.startsWith("--operator-arg=")) {
                operatorArgs.add(arg.substring("--operator-arg=".length()));
            } else if (!arg.isBlank()) {
                count = Integer.parseInt(arg);
            }
        }
        Path jar = Path.of(System.getProperty("schedlock.operator.jar", "target/schedlock-operator.jar"));
        HttpClient http = HttpClient.newHttpClient();
        try (MockCluster k8s = MockCluster.withoutOperator("31");
             // The benchmark's own requests carry their own User-Agent, so that the operator's can be told apart.
             KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(
                     k8s.client.getConfiguration()).withUserAgent(BENCH_AGENT).build()).build();
             BenchSidecars sidecars = new BenchSidecars();
             BenchKubelet kubelet = new BenchKubelet(client, MockCluster.NAMESPACE, sidecars)) {
            int port = freePort();
            Path log = Files.createDirectories(Path.of("target", "bench")).resolve("operator.log");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
                    jar.toString(), "--namespaces=" + MockCluster.NAMESPACE, "--no-leader-election",
                    "--health-address=127.0.0.1:" + port, "--leader-poll-interval=" + poll));
            command.addAll(operatorArgs);
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUBERNETES_MASTER", k8s.url());
            pb.environment().put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            pb.environment().put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
            Process operator = pb.start();
            SharedIndexInformer<SchedulerDeployment> resources = client.resources(SchedulerDeployment.class)
                    .inNamespace(MockCluster.NAMESPACE).inform();
            try {
                awaitReady(http, port);
                drain(k8s); // the cluster's set-up and the operator's start
                System.out.printf(Locale.ROOT, "operator: %s%n", String.join(" ", command.subList(3, command.size())));
                long start = System.nanoTime();
                create(client, count, threads, sidecars.port());
                double createdSeconds = seconds(start);
                double readySeconds = -1;
                double leaderSeconds;
                while (true) {
                    if (seconds(start) > 600) {
                        throw new IllegalStateException("not done after 600 s: " + progress(resources));
                    }
                    long ready = countTrue(resources, Conditions.READY);
                    long led = countTrue(resources, Conditions.LEADER_ELECTED);
                    if (readySeconds < 0 && ready == count) {
                        readySeconds = seconds(start);
                    }
                    if (ready == count && led == count) {
                        leaderSeconds = seconds(start);
                        break;
                    }
                    Thread.sleep(100);
                }
                Map<String, Integer> ramp = drain(k8s);
                System.out.printf(Locale.ROOT, "%noperator requests from the first create to all Ready and led: %d%n",
                        ramp.values().stream().mapToInt(Integer::intValue).sum());
                ramp.forEach((what, n) -> System.out.printf(Locale.ROOT, "  %s x %d%n", what, n));
                System.out.printf(Locale.ROOT, "%n| resources | client threads | created in (s) | all Ready (s)"
                        + " | all Ready and LeaderElected (s) |%n|---|---|---|---|---|%n| %d | %d | %.1f | %.1f | %.1f |%n",
                        count, threads, createdSeconds, readySeconds, leaderSeconds);

                // Steady state: let the reconciles our last writes triggered finish, then watch a window.
                Thread.sleep(10_000);
                drain(k8s);
                double reconcilesBefore = sum(RECONCILES, metrics(http, port));
                long cpuBefore = cpuMillis(operator);
                long pollsBefore = sidecars.requests();
                long windowStart = System.nanoTime();
                Thread.sleep(window.toMillis());
                double windowSeconds = seconds(windowStart);
                Map<String, Integer> requests = drain(k8s);
                Map<String, Integer> writes = new TreeMap<>(requests);
                writes.keySet().removeIf(what -> !WRITES.contains(what.substring(0, what.indexOf(' '))));
                double reconciles = sum(RECONCILES, metrics(http, port)) - reconcilesBefore;
                long cpu = cpuMillis(operator) - cpuBefore;
                long polls = sidecars.requests() - pollsBefore;
                int writeCount = writes.values().stream().mapToInt(Integer::intValue).sum();
                System.out.printf(Locale.ROOT, "%n| steady window (s) | writes | reconciles | reconciles/min"
                        + " | operator CPU (s/min) | status requests/min |%n|---|---|---|---|---|---|%n"
                        + "| %.0f | %d | %.0f | %.0f | %.1f | %.0f |%n", windowSeconds, writeCount, reconciles,
                        reconciles * 60 / windowSeconds, cpu / 1000.0 * 60 / windowSeconds, polls * 60 / windowSeconds);
                requests.forEach((what, n) -> System.out.printf(Locale.ROOT, "  request: %s x %d%n", what, n));
                System.out.printf(Locale.ROOT, "  Deployment statuses the kubelet had to publish again: %d%n",
                        kubelet.statusRepublished());

                // All informer caches are full now: the heap in use before and after a full GC.
                double heapBeforeGc = sum(HEAP, metrics(http, port));
                jcmd(operator, "GC.run");
                double liveHeap = sum(HEAP, metrics(http, port));
                System.out.println(jcmd(operator, "GC.heap_info"));
                System.out.printf(Locale.ROOT, "| operator heap used (MiB) | after full GC (MiB) | heap cap (MiB) |%n"
                        + "|---|---|---|%n| %.0f | %.0f | 256 |%n", heapBeforeGc / (1 << 20), liveHeap / (1 << 20));
            } finally {
                resources.close();
                operator.destroy();
                operator.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    /** Creates {@code count} resources from {@code threads} client threads, as a user's tool would. */
    private static void create(KubernetesClient client, int count, int threads, int statusPort) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = String.format(Locale.ROOT, "sched-%04d", i);
                done.add(pool.submit(() -> {
                    SchedulerDeployment sd = TestResources.sqlite(name);
                    sd.getMetadata().setUid(null);
                    // The simulated sidecars answer on one port; any port the model accepts is as good.
                    SidecarPorts ports = new SidecarPorts();
                    ports.setStatus(statusPort);
                    SidecarSpec sidecar = new SidecarSpec();
                    sidecar.setPorts(ports);
                    sd.getSpec().setSidecar(sidecar);
                    try {
                        client.resource(sd).create();
                    } catch (KubernetesClientException e) {
                        // A create the client sent again after a timeout: the first one went through.
                        if (e.getCode() != 409) {
                            throw e;
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static long countTrue(SharedIndexInformer<SchedulerDeployment> resources, String type) {
        return resources.getStore().list().stream()
                .filter(sd -> sd.getStatus() != null && sd.getStatus().getConditions() != null)
                .map(sd -> Conditions.find(sd.getStatus().getConditions(), type))
                .filter(c -> c != null && Conditions.TRUE.equals(c.getStatus()))
                .count();
    }

    private static String progress(SharedIndexInformer<SchedulerDeployment> resources) {
        Map<String, Integer> reasons = new TreeMap<>();
        for (SchedulerDeployment sd : resources.getStore().list()) {
            Condition c = sd.getStatus() == null || sd.getStatus().getConditions() == null ? null
                    : Conditions.find(sd.getStatus().getConditions(), Conditions.READY);
            reasons.merge(c == null ? "no Ready condition" : c.getStatus() + "/" + c.getReason(), 1, Integer::sum);
        }
        return reasons.toString();
    }

    /**
     * The operator's requests the mock server recorded since the last drain, counted by method and
     * path (names as *, watches apart); the benchmark's own (its User-Agent) are left out.
     */
    private static Map<String, Integer> drain(MockCluster k8s) throws InterruptedException {
        Map<String, Integer> requests = new TreeMap<>();
        RecordedRequest r;
        while ((r = k8s.server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
            if (BENCH_AGENT.equals(r.getHeader("User-Agent"))) {
                continue;
            }
            String path = r.getPath().replaceAll("/sched-\\d{4}[^/?]*", "/*")
                    .replaceAll("\\?.*watch=true.*", " (watch)").replaceAll("\\?.*", "");
            requests.merge(r.getMethod() + " " + path, 1, Integer::sum);
        }
        return requests;
    }

    /** CPU time (user and system) the process has used so far. */
    private static long cpuMillis(Process process) {
        return process.info().totalCpuDuration().orElseThrow().toMillis();
    }

    private static String jcmd(Process process, String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder("jcmd", Long.toString(process.pid()), command).redirectErrorStream(true)
                .start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jcmd.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static void awaitReady(HttpClient http, int port) throws InterruptedException {
        for (int i = 0; i < 240; i++) {
            try {
                if (http.send(request(port, "/readyz"), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("operator not ready after 120 s; see target/bench/operator.log");
    }

    private static String metrics(HttpClient http, int port) throws IOException, InterruptedException {
        return http.send(request(port, "/metrics"), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The sum of every sample of the metric {@code pattern} matches. */
    private static double sum(Pattern pattern, String metrics) {
        double sum = 0;
        Matcher m = pattern.matcher(metrics);
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .build();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
