package dev.schedlock.operator.reconciler;

import dev.schedlock.operator.TestResources;
import dev.schedlock.operator.api.v1alpha1.SchedulerDeployment;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scale benchmark, not a timed test: N SchedulerDeployments against the mock API server, the
 * packaged operator in its own JVM capped at 256 MiB of heap. Reports the time until every
 * Deployment exists and every status is written, and the operator's heap once every cache is
 * full (before and after a full GC).
 *
 * <pre>./mvnw -pl operator -Pbench verify -Dbench.args=1000</pre>
 */
public final class ScaleBench {

    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\".*} (\\S+)$",
            Pattern.MULTILINE);

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path jar = Path.of(System.getProperty("schedlock.operator.jar", "target/schedlock-operator.jar"));
        HttpClient http = HttpClient.newHttpClient();
        try (MockCluster k8s = MockCluster.withoutOperator("31")) {
            int port = freePort();
            Path log = Files.createDirectories(Path.of("target", "bench")).resolve("operator.log");
            ProcessBuilder pb = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
                    jar.toString(), "--namespaces=" + MockCluster.NAMESPACE, "--no-leader-election",
                    "--health-address=127.0.0.1:" + port, "--leader-poll-interval=10m"))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("KUBERNETES_MASTER", k8s.url());
            pb.environment().put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            pb.environment().put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
            Process operator = pb.start();
            try {
                awaitReady(http, port);
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    SchedulerDeployment sd = TestResources.sqlite(String.format(Locale.ROOT, "sched-%04d", i));
                    sd.getMetadata().setUid(null);
                    k8s.create(sd);
                }
                double createdSeconds = seconds(start);
                int deployments = 0;
                int statuses = 0;
                while (deployments < count || statuses < count) {
                    if (seconds(start) > 600) {
                        throw new IllegalStateException("not done after 600 s: " + deployments + " Deployments, "
                                + statuses + " statuses");
                    }
                    Thread.sleep(500);
                    deployments = k8s.client.apps().deployments().inNamespace(MockCluster.NAMESPACE).list()
                            .getItems().size();
                    statuses = (int) k8s.client.resources(SchedulerDeployment.class).inNamespace(MockCluster.NAMESPACE)
                            .list().getItems().stream().filter(sd -> sd.getStatus() != null).count();
                }
                double doneSeconds = seconds(start);
                // All informer caches are full now: the heap in use before and after a full GC.
                double heapBeforeGc = heap(http, port);
                jcmd(operator, "GC.run");
                double liveHeap = heap(http, port);
                System.out.println(jcmd(operator, "GC.heap_info"));
                System.out.printf(Locale.ROOT, "%n| resources | created in (s) | all Deployments and statuses (s)"
                        + " | operator heap used (MiB) | after full GC (MiB) | heap cap (MiB) |%n"
                        + "|---|---|---|---|---|---|%n| %d | %.1f | %.1f | %.0f | %.0f | 256 |%n", count,
                        createdSeconds, doneSeconds, heapBeforeGc / (1 << 20), liveHeap / (1 << 20));
            } finally {
                operator.destroy();
                operator.waitFor(20, TimeUnit.SECONDS);
            }
        }
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

    /** Bytes of heap in use, summed over the heap pools, as the operator's /metrics reports. */
    private static double heap(HttpClient http, int port) throws IOException, InterruptedException {
        String metrics = http.send(request(port, "/metrics"), HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        Matcher m = HEAP.matcher(metrics);
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
