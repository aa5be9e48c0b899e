package dev.schedlock.charts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * A real sidecar process from the shaded jar (system property {@code schedlock.sidecar.jar}, built
 * by the sidecar module's package phase) on a SQLite file, with the short timings of the process
 * tests, both servers on 127.0.0.1 and ports chosen by the system, which it writes into its ready
 * file {@code <dir>/<pod>.ready.json}. Its log goes to {@code <dir>/<pod>.log}.
 */
final class RealSidecar implements AutoCloseable {

    /** TTL 2 s, heartbeat 500 ms, retry 200 ms, permit 1 s: a takeover within seconds. */
    static final List<String> FAST_TIMING = List.of("--ttl", "2s", "--heartbeat-interval", "500ms",
            "--retry-interval", "200ms", "--permit-ttl", "1s");
    /** Logged as soon as the status server listens, before the sidecar is ready (the store is migrated first). */
    private static final Pattern STATUS = Pattern.compile("status server on http://([0-9.]+:\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String pod;
    private final Process process;
    private final Path log;
    /** Written once the elector runs and its gauges are bound (the last start-up step). */
    private final Path readyFile;
    private final CompletableFuture<String> statusAddress = new CompletableFuture<>();

    private RealSidecar(String pod, Process process, Path log, Path readyFile) throws IOException {
        this.pod = pod;
        this.process = process;
        this.log = log;
        this.readyFile = readyFile;
        Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
        Thread pump = new Thread(() -> pump(out), "log-" + pod);
        pump.setDaemon(true);
        pump.start();
        process.onExit().thenRun(() -> statusAddress.completeExceptionally(
                new IllegalStateException(pod + " exited before its status server listened; log: " + log)));
    }

    /** Starts {@code run} for {@code pod} on {@code store} (a SQLite file) and lock {@code lock}. */
    static RealSidecar start(String pod, Path store, String lock, Path dir) throws IOException {
        String jar = System.getProperty("schedlock.sidecar.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property schedlock.sidecar.jar must name the shaded sidecar jar,"
                    + " not " + jar + ": build it first with ./mvnw -B -ntp -pl sidecar package -DskipTests"
                    + " (a full ./mvnw verify builds it before the operator module)");
        }
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-jar", jar,
                "run", "--store", "jdbc:sqlite:" + store, "--lock-name", lock, "--pod-name", pod,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
        command.addAll(FAST_TIMING);
        Path readyFile = dir.resolve(pod + ".ready.json");
        Files.deleteIfExists(readyFile);
        command.addAll(List.of("--ready-file", readyFile.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new RealSidecar(pod, process, dir.resolve(pod + ".log"), readyFile);
    }

    private void pump(Writer out) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)); out) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                Matcher m = STATUS.matcher(line);
                if (m.find()) {
                    statusAddress.complete(m.group(1));
                }
            }
        } catch (IOException e) {
            if (process.isAlive()) {
                throw new UncheckedIOException(e);
            }
        }
    }

    String pod() {
        return pod;
    }

    /** host:port of the status server (/metrics), once it listens. */
    String statusAddress() throws InterruptedException {
        try {
            return statusAddress.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError(pod + " did not start its status server within " + START_TIMEOUT.toSeconds()
                    + " s; log: " + log, e);
        }
    }

    /**
     * Waits until the sidecar has started (its ready file is written): its elector runs and every
     * lease gauge is bound (the status server listens earlier, while the store is migrated).
     */
    void awaitStarted() throws InterruptedException {
        Awaitility.await(pod + " writes its ready file; log: " + log).atMost(START_TIMEOUT)
                .pollInterval(Duration.ofMillis(20)).until(() -> Files.exists(readyFile) || !process.isAlive());
        if (!Files.exists(readyFile)) {
            throw new AssertionError(pod + " exited before it started; log: " + log);
        }
    }

    /** The Prometheus text its status server answers on /metrics now. */
    String scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://" + statusAddress() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError(pod + " /metrics answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /** SIGKILL: no release, no goodbye; the lease must expire. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill9();
    }

    @Override
    public String toString() {
        return pod + " (log " + log + ")";
    }
}
