package dev.schedlock.sidecar.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One real sidecar JVM, started from the shaded jar that Failsafe names in the system property
 * {@code schedlock.sidecar.jar}. Its stdout and stderr are kept in memory and in
 * {@code <dir>/<name>.stdout|.stderr}. A {@code run} gets a {@code --ready-file} in {@code dir}, and
 * the control API's address comes from that file; the status server's, which listens earlier, from
 * its log line (start it with
 * {@code --control-address 127.0.0.1:0 --status-address 127.0.0.1:0}).
 *
 * <p>Signals go through {@code kill -<SIG> <pid>}, so a test can pause a sidecar (SIGSTOP) the way
 * a GC pause or CPU starvation would. {@link #close()} always leaves no process behind: a stopped
 * one is continued first, then killed.
 *
 * <p>Public for the tests of the documentation's examples ({@code ..examples}), which run their
 * clients against it.
 */
public final class SidecarProcess implements AutoCloseable {

    /** A small, fast-starting JVM: the sidecar needs no more, and a test starts many of them. */
    static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(45);
    /**
     * The status server listens before the sidecar is ready (probes answer while the store is
     * migrated or unreachable), so its address is taken from this line as soon as it is logged.
     */
    private static final Pattern STATUS = Pattern.compile("status server on http://([0-9.]+:\\d+)");

    /**
     * An HTTP answer with the monotonic instants the request was sent and the answer received, and
     * how many times it was sent (2 when the first answer was lost on a reused connection, see
     * {@link #send(HttpRequest.Builder)}).
     */
    public record Reply(int status, HttpHeaders headers, String body, long sentNanos, long receivedNanos,
            int attempts) {

        public boolean wasResent() {
            return attempts > 1;
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (HTTP " + status + "): " + body, e);
            }
        }
    }

    /** A one-shot command that ran to its end. */
    record Finished(int exitCode, List<String> stdout, List<String> stderr) {

        String out() {
            return String.join("\n", stdout);
        }

        String err() {
            return String.join("\n", stderr);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out() + "\n--- stderr\n" + err();
        }
    }

    private final String name;
    private final Process process;
    private final Output stdout;
    private final Output stderr;
    private final CompletableFuture<String> controlAddress = new CompletableFuture<>();
    private final CompletableFuture<String> statusAddress = new CompletableFuture<>();
    /** The {@code --ready-file} of a {@code run}, null for other commands. */
    private final Path readyFile;
    private volatile boolean paused;

    private SidecarProcess(String name, Process process, Path dir, Path readyFile) throws IOException {
        this.name = name;
        this.process = process;
        this.readyFile = readyFile;
        this.stdout = new Output(process.getInputStream(), dir.resolve(name + ".stdout"), line -> { });
        this.stderr = new Output(process.getErrorStream(), dir.resolve(name + ".stderr"), this::watchLog);
        process.onExit().thenRun(() -> {
            IllegalStateException exited = new IllegalStateException(describe() + " exited before it listened");
            controlAddress.completeExceptionally(exited);
            statusAddress.completeExceptionally(exited);
        });
    }

    /** Starts {@code java -jar schedlock-sidecar.jar args…}; logs go to {@code dir}. */
    public static SidecarProcess start(String name, Path dir, List<String> args) throws IOException {
        return start(name, dir, args, Map.of());
    }

    /** Starts it with {@code env} added to this JVM's environment (e.g. {@code SCHEDLOCK_STORE_PASSWORD}). */
    public static SidecarProcess start(String name, Path dir, List<String> args, Map<String, String> env) throws IOException {
        List<String> all = new ArrayList<>(args);
        Path readyFile = null;
        if (!all.isEmpty() && all.get(0).equals("run") && !all.contains("--ready-file")) {
            // A name of its own: a file left by an earlier process of the same name (kill -9) must not count.
            readyFile = dir.resolve(name + "." + UUID.randomUUID() + ".ready.json");
            all.addAll(List.of("--ready-file", readyFile.toString()));
        }
        ProcessBuilder builder = new ProcessBuilder(command(all));
        builder.environment().putAll(env);
        return new SidecarProcess(name, builder.start(), dir, readyFile);
    }

    /** Runs a one-shot command ({@code status}, {@code migrate}, a refused start…) to its end. */
    static Finished run(String name, Path dir, List<String> args) throws IOException, InterruptedException {
        return run(name, dir, args, Map.of());
    }

    static Finished run(String name, Path dir, List<String> args, Map<String, String> env)
            throws IOException, InterruptedException {
        try (SidecarProcess p = start(name, dir, args, env)) {
            int exit = p.awaitExit(Duration.ofSeconds(60));
            return new Finished(exit, p.stdout.awaitLines(), p.stderr.awaitLines());
        }
    }

    private static List<String> command(List<String> args) {
        String jar = System.getProperty("schedlock.sidecar.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property schedlock.sidecar.jar must name the shaded sidecar jar"
                    + " (Failsafe sets it; run `./mvnw -pl sidecar verify`), not " + jar);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(JVM_FLAGS);
        command.add("-jar");
        command.add(jar);
        command.addAll(args);
        return command;
    }

    private void watchLog(String line) {
        Matcher m = STATUS.matcher(line);
        if (m.find()) {
            statusAddress.complete(m.group(1));
        }
    }

    /** Completes the addresses from the ready file once the sidecar has written it. */
    private void readReadyFile() {
        if (readyFile == null || controlAddress.isDone() || !Files.exists(readyFile)) {
            return;
        }
        try {
            JsonNode ready = JSON.readTree(readyFile.toFile());
            statusAddress.complete(ready.get("statusAddress").asText());
            controlAddress.complete(ready.get("controlAddress").asText());
        } catch (IOException e) {
            // Written atomically, so unreadable means removed at stop in between: not listening.
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /** Waits until the control API listens (the last start-up step); fails with the log if it exits. */
    public SidecarProcess awaitListening() throws InterruptedException {
        if (readyFile == null) {
            throw new IllegalStateException(name + " is not a run command: it never listens");
        }
        try {
            Awaitility.await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(20))
                    .until(() -> isListening() || controlAddress.isDone());
            controlAddress.get();
            statusAddress.get();
            return this;
        } catch (ExecutionException | ConditionTimeoutException e) {
            throw new AssertionError(name + " did not start listening within " + START_TIMEOUT.toSeconds() + "s: "
                    + describe(), e);
        }
    }

    /** Whether the control API listens yet; it starts only once the store is migrated. */
    public boolean isListening() {
        readReadyFile();
        return controlAddress.isDone() && !controlAddress.isCompletedExceptionally();
    }

    public String name() {
        return name;
    }

    /** The {@code --ready-file} this test gave a {@code run}. */
    public Path readyFile() {
        return readyFile;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the exit; fails if it has not exited within {@code timeout}. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit within " + timeout.toSeconds() + "s: " + describe());
        }
        return process.exitValue();
    }

    public void kill9() throws IOException, InterruptedException {
        signal("KILL");
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Pauses the whole JVM, as a long GC pause or a starved CPU would. */
    public void sigstop() throws IOException, InterruptedException {
        paused = true;
        signal("STOP");
    }

    public void sigcont() throws IOException, InterruptedException {
        signal("CONT");
        paused = false;
    }

    /** Asks for a graceful stop: drain, release, exit 0. */
    public void sigterm() throws IOException, InterruptedException {
        signal("TERM");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.waitFor() != 0 && process.isAlive()) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: " + said);
        }
    }

    /** Never leaves a process behind: continues a paused one (so it can die), then kills it. */
    @Override
    public void close() {
        try {
            if (paused && process.isAlive()) {
                sigcont();
            }
        } catch (IOException e) {
            // destroyForcibly below works on a stopped process too
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ output

    List<String> stdoutLines() {
        return stdout.lines();
    }

    public List<String> stderrLines() {
        return stderr.lines();
    }

    /** Name, pid, state and the end of the log, for failure messages. */
    public String describe() {
        List<String> log = stderr.lines();
        List<String> tail = log.subList(Math.max(0, log.size() - 25), log.size());
        return name + " (pid " + process.pid() + (process.isAlive() ? "" : ", exited " + process.exitValue())
                + ", log in " + stderr.file + ")\n  " + String.join("\n  ", tail);
    }

    @Override
    public String toString() {
        return name;
    }

    // ------------------------------------------------------------------ HTTP

    public URI controlUri(String pathAndQuery) {
        return URI.create("http://" + controlAddress.join() + pathAndQuery);
    }

    public URI statusUri(String pathAndQuery) {
        return URI.create("http://" + statusAddress.join() + pathAndQuery);
    }

    /** {@code GET /v1/lease} on the control API: asking for a permit, as the main container does. */
    public JsonNode lease() throws IOException, InterruptedException {
        Reply reply = get("/v1/lease");
        if (reply.status() != 200) {
            throw new AssertionError(name + ": GET /v1/lease answered " + reply.status() + ": " + reply.body());
        }
        return reply.json();
    }

    public Reply get(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(controlUri(pathAndQuery)).GET());
    }

    public Reply post(String pathAndQuery, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(controlUri(pathAndQuery))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Reply delete(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(controlUri(pathAndQuery)).DELETE());
    }

    Reply statusGet(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(statusUri(pathAndQuery)).GET());
    }

    /**
     * Sends with the default timeout; the reply records when the request was sent.
     *
     * <p>Sends once more, and only once, when the first attempt failed before a single byte of the
     * answer arrived on a kept-alive connection. The JDK client (17 and 25 alike) has a race when it
     * takes a connection from its pool: the answer can reach the pool's idle-connection watcher
     * instead of the exchange, which then closes the connection and fails the request with
     * "HTTP/1.1 header parser received no bytes" although the sidecar answered (JDK-8336655; a
     * packet capture and the measurements are in docs/benchmarks.md, "Claim churn"). The JDK itself resends
     * GET in that case and refuses to resend POST and DELETE. Every call of the control API may be
     * sent twice (a renewal with the claim's handle renews again, a second return answers 404
     * NO_CLAIM; a first claim sent again is refused with HANDLE_MISMATCH, since the handle of the
     * lost grant never arrived), so the helper resends them too, says so on stdout, and marks the
     * reply: a test that asserts on a status must allow for the repeat. A sidecar that stops answering still fails: the repeat fails too.
     */
    public static Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
        try {
            return sendAsync(request.timeout(REQUEST_TIMEOUT)).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The JDK client's message when a connection closed before any byte of the answer. */
    static boolean isAnswerLostOnReusedConnection(Throwable e) {
        return e instanceof IOException && "HTTP/1.1 header parser received no bytes".equals(e.getMessage());
    }

    /**
     * Sends without waiting (set a timeout on {@code request}); the reply records when it was sent.
     * Resends once as {@link #send(HttpRequest.Builder)} does.
     */
    static CompletableFuture<Reply> sendAsync(HttpRequest.Builder request) {
        HttpRequest built = request.build();
        return sendAsync(built, 1).exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (!isAnswerLostOnReusedConnection(cause)) {
                return CompletableFuture.failedFuture(cause);
            }
            System.out.printf("%s %s: %s; sent once more%n", built.method(), built.uri(), cause.getMessage());
            return sendAsync(built, 2);
        });
    }

    private static CompletableFuture<Reply> sendAsync(HttpRequest request, int attempt) {
        long sent = System.nanoTime();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> new Reply(
                response.statusCode(), response.headers(), response.body(), sent, System.nanoTime(), attempt));
    }

    /** One stream of the process: pumped line by line into memory and a file. */
    private static final class Output {
        private final Path file;
        private final List<String> lines = new ArrayList<>();
        private final Thread pump;

        Output(InputStream in, Path file, Consumer<String> onLine) throws IOException {
            this.file = file;
            Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            this.pump = new Thread(() -> pump(in, out, onLine), "pump-" + file.getFileName());
            this.pump.setDaemon(true);
            this.pump.start();
        }

        private void pump(InputStream in, Writer out, Consumer<String> onLine) {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                 out) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    out.write(line);
                    out.write('\n');
                    out.flush();
                    onLine.accept(line);
                }
            } catch (IOException e) {
                if (!"Stream closed".equals(e.getMessage())) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        /** All lines, once the process closed the stream. */
        List<String> awaitLines() throws InterruptedException {
            pump.join(TimeUnit.SECONDS.toMillis(10));
            return lines();
        }
    }
}
