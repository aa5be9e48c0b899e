package dev.schedlock.sidecar.pg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real sidecar JVM from the shaded jar that Failsafe names in {@code schedlock.sidecar.jar},
 * for the PostgreSQL process tests. Its output is kept in memory (to grep) and in
 * {@code <dir>/<name>.log}; the listen addresses come from its log, so start it with
 * {@code --control-address 127.0.0.1:0 --status-address 127.0.0.1:0}. The status server listens
 * before the store is reached, the control API only once it is migrated.
 */
final class PgSidecar implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final Pattern CONTROL = Pattern.compile("control API on http://([0-9.]+:\\d+)");
    private static final Pattern STATUS = Pattern.compile("status server on http://([0-9.]+:\\d+)");

    /** An HTTP answer and the monotonic instant its request was sent. */
    record Reply(int status, String body, long sentNanos) {

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (HTTP " + status + "): " + body, e);
            }
        }
    }

    private final String name;
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CompletableFuture<String> controlAddress = new CompletableFuture<>();
    private final CompletableFuture<String> statusAddress = new CompletableFuture<>();
    private final Thread pump;

    private PgSidecar(String name, Process process, Path log) throws IOException {
        this.name = name;
        this.process = process;
        Writer file = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
        this.pump = new Thread(() -> pump(process.getInputStream(), file), "pump-" + name);
        this.pump.setDaemon(true);
        this.pump.start();
    }

    /** Starts {@code java -jar schedlock-sidecar.jar args…} with {@code env} added to this JVM's environment. */
    static PgSidecar start(String name, Path dir, Map<String, String> env, List<String> args) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(args)).redirectErrorStream(true);
        builder.environment().keySet().removeIf(key -> key.startsWith("SCHEDLOCK_"));
        builder.environment().putAll(env);
        return new PgSidecar(name, builder.start(), dir.resolve(name + ".log"));
    }

    /** Runs a one-shot command ({@code status}, {@code history}, a refused start) to its end. */
    static PgSidecar run(String name, Path dir, Map<String, String> env, List<String> args)
            throws IOException, InterruptedException {
        PgSidecar p = start(name, dir, env, args);
        p.awaitExit(Duration.ofSeconds(60));
        return p;
    }

    private static List<String> command(List<String> args) {
        String jar = System.getProperty("schedlock.sidecar.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property schedlock.sidecar.jar must name the shaded sidecar jar"
                    + " (Failsafe sets it; run `./mvnw -pl sidecar verify`), not " + jar);
        }
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-jar", jar));
        command.addAll(args);
        return command;
    }

    private void pump(InputStream in, Writer log) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)); log) {
            String line;
            while ((line = reader.readLine()) != null) {
                output.append(line).append('\n');
                log.write(line + "\n");
                log.flush();
                watch(line);
            }
        } catch (IOException e) {
            // The process was killed and its stream closed under the reader: the output ends here.
            output.append("[output ended: ").append(e.getMessage()).append("]\n");
        } finally {
            IllegalStateException exited = new IllegalStateException(name + " exited:\n" + output);
            controlAddress.completeExceptionally(exited);
            statusAddress.completeExceptionally(exited);
        }
    }

    private void watch(String line) {
        complete(CONTROL.matcher(line), controlAddress);
        complete(STATUS.matcher(line), statusAddress);
    }

    private static void complete(Matcher m, CompletableFuture<String> address) {
        if (m.find()) {
            address.complete(m.group(1));
        }
    }

    // ------------------------------------------------------------------ lifecycle

    String name() {
        return name;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Everything it wrote so far, stdout and stderr together. */
    String output() {
        return output.toString();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit within " + timeout.toSeconds() + " s:\n" + output);
        }
        pump.join(10_000);
        return process.exitValue();
    }

    int exitCode() {
        return process.exitValue();
    }

    /** SIGTERM: the graceful stop Kubernetes asks for. */
    void terminate() {
        process.destroy();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return name;
    }

    // ------------------------------------------------------------------ HTTP

    /** Whether the control API listens yet (it does once the store is migrated). */
    boolean controlListening() {
        return controlAddress.isDone() && !controlAddress.isCompletedExceptionally();
    }

    String statusAddress() {
        return await(statusAddress, "the status server");
    }

    String controlAddress() {
        return await(controlAddress, "the control API");
    }

    private String await(CompletableFuture<String> address, String what) {
        try {
            return address.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(name + ": " + what + " did not listen within 60 s:\n" + output, e);
        }
    }

    /** {@code GET} on the control API ({@code /v1/lease}: asking for a permit, as the main container does). */
    Reply control(String path) throws IOException, InterruptedException {
        return get(URI.create("http://" + controlAddress() + path));
    }

    /** {@code GET} on the status server ({@code /readyz}, {@code /healthz}, {@code /metrics}, {@code /v1/lease}). */
    Reply status(String path) throws IOException, InterruptedException {
        return get(URI.create("http://" + statusAddress() + path));
    }

    /** The body of {@code /readyz}, or empty while the status server does not answer; for polling. */
    String readyz() {
        try {
            return status("/readyz").body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static Reply get(URI uri) throws IOException, InterruptedException {
        long sent = System.nanoTime();
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body(), sent);
    }
}
