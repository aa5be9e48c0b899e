package dev.schedlock.sidecar.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python package {@code sidecar/clients/python} ({@code schedlock}), its APScheduler and Celery
 * beat recipes, and the Python examples of {@code docs/api.md} and {@code docs/integrations.md},
 * run as written against real sidecar processes. The interpreter is Debian's {@code /usr/bin/python3},
 * the one the Debian packages {@code python3-apscheduler} and {@code python3-celery} install into;
 * Celery's broker is the machine's RabbitMQ (127.0.0.1:5672, guest/guest).
 *
 * <p>The recipe test runs three "pods" (a sidecar and the apps beside it) on one SQLite file,
 * hands the lease over once with SIGTERM of the leading sidecar and once with kill -9, and checks
 * from the records the jobs write: no two runs overlap, and the token rises at each handoff.
 * Times in the records are {@code time.monotonic()}, the system-wide CLOCK_MONOTONIC on Linux, so
 * runs of different processes compare.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonClientIT {

    static final String PYTHON = "/usr/bin/python3";
    static final String INSTALL = "apt-get install -y --no-install-recommends python3 python3-apscheduler python3-celery"
            + " (.ci/install-tools does it)";
    private static final Path PACKAGE = Path.of(System.getProperty("schedlock.python.dir", "clients/python"))
            .toAbsolutePath().normalize();
    private static final Path DOCS = Path.of(System.getProperty("schedlock.docs.dir", "../docs"))
            .toAbsolutePath().normalize();
    private static final List<String> FAST_TIMING = List.of("--ttl", "2s", "--heartbeat-interval", "500ms",
            "--retry-interval", "200ms", "--permit-ttl", "1s");
    private static final Duration PATIENCE = ExampleProcess.PATIENCE;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;

    private SidecarProcess leader;
    private SidecarProcess standby;
    private SidecarProcess claimsLeader;
    private final List<SidecarProcess> sidecars = new ArrayList<>();
    private final List<ExampleProcess> apps = new ArrayList<>();

    @BeforeAll
    void startSidecars() throws Exception {
        ExampleProcess check = ExampleProcess.run("python-check", dir,
                List.of(PYTHON, "-c", "import apscheduler, celery"), Map.of());
        assertThat(check.exitCode()).as("Debian's python3 with APScheduler and Celery; install: " + INSTALL
                + "\n" + check.output()).isZero();
        // Started together (JVM start-ups are most of this class's time); pod-a and pod-b compete for
        // the lock "default", and whichever wins is the leader of the tests, the other the standby.
        String store = "jdbc:sqlite:" + dir.resolve("lease.db");
        List<SidecarProcess> pods = List.of(launch("pod-a", "--store", store), launch("pod-b", "--store", store),
                launch("pod-c", "--store", store, "--lock-name", "workers", "--permit-mode", "claims"));
        for (SidecarProcess p : pods) {
            p.awaitListening();
        }
        Pod first = awaitLeaderAmong(List.of(new Pod("pod-a", pods.get(0), 0), new Pod("pod-b", pods.get(1), 0)));
        leader = first.sidecar();
        standby = leader == pods.get(0) ? pods.get(1) : pods.get(0);
        claimsLeader = pods.get(2);
        awaitLeading(claimsLeader);
    }

    @AfterEach
    void stopApps() {
        apps.forEach(ExampleProcess::close);
        apps.clear();
    }

    @AfterAll
    void stopSidecars() {
        sidecars.forEach(SidecarProcess::close);
    }

    // ------------------------------------------------------------------ the package

    @Test
    void packageUnitTestsShouldPass() throws Exception {
        ExampleProcess tests = run("unit-tests", dir, List.of(PYTHON, "-m", "unittest", "discover", "-v",
                "-s", PACKAGE.resolve("tests").toString(), "-t", PACKAGE.toString()), Map.of());
        assertThat(tests.exitCode()).as(tests.output()).isZero();
        assertThat(tests.output()).containsPattern("test_answer_that_arrives_after_its_validity_should_be_no_permit .*\\.\\.\\. ok")
                .containsPattern("test_malformed_http_answer_should_be_sidecar_unavailable .*\\.\\.\\. ok")
                .containsPattern("Ran \\d+ tests");
    }

    @Test
    void packageShouldWorkAgainstRealSidecars() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("SCHEDLOCK_TEST_LEADER", url(leader));
        env.put("SCHEDLOCK_TEST_STANDBY", url(standby));
        env.put("SCHEDLOCK_TEST_STANDBY_PID", Long.toString(standby.pid()));
        env.put("SCHEDLOCK_TEST_CLAIMS", url(claimsLeader));
        ExampleProcess suite = run("sidecar-suite", dir, List.of(PYTHON, "-m", "unittest", "-v",
                "tests.sidecar_suite"), env);
        assertThat(suite.exitCode()).as(suite.output()).isZero();
        assertThat(suite.output()).containsPattern("test_paused_sidecar_should_time_out_not_hang .*\\.\\.\\. ok")
                .containsPattern("test_claim_should_be_renewed_with_its_handle_and_returned .*\\.\\.\\. ok");
    }

    @Test
    void runOnceExampleShouldRunOnlyWithAPermit() throws Exception {
        Path example = PACKAGE.resolve("examples/run_once.py");
        assertThat(DocBlock.pythonBlocks(DOCS.resolve("integrations.md"))).as("the guide shows the example as it runs")
                .contains(Files.readString(example));
        JsonNode lease = leader.lease();
        ExampleProcess onLeader = app("run-once-leader", dir, List.of(PYTHON, example.toString()), leader, "pod-a", Map.of());
        assertThat(onLeader.awaitExit()).as(onLeader.output()).isZero();
        assertThat(onLeader.output()).startsWith("job runs with fencing token " + lease.path("fencingToken").asLong()
                + " of store " + lease.path("storeId").asText() + ", ");

        ExampleProcess onStandby = app("run-once-standby", dir, List.of(PYTHON, example.toString()), standby, "pod-b", Map.of());
        assertThat(onStandby.awaitExit()).as(onStandby.output()).isZero();
        assertThat(onStandby.output()).isEqualTo("no permit: another pod leads, or this one is starting or stopping");

        ExampleProcess nobody = run("run-once-nobody", dir, List.of(PYTHON, example.toString()),
                Map.of("SCHEDLOCK_URL", "http://127.0.0.1:9"));
        assertThat(nobody.exitCode()).isEqualTo(1);
        assertThat(nobody.output()).startsWith("no permit: the sidecar did not answer: GET http://127.0.0.1:9/v1/lease: ConnectionRefusedError");
    }

    // ------------------------------------------------------------------ docs/api.md

    @Test
    void apiDocPermitExampleShouldPrintWhatTheDocShows() throws Exception {
        DocBlock permit = DocBlock.python(DOCS.resolve("api.md"), "def permit():");
        ExampleProcess p = runPython("api-permit", permit.code(), leader);
        assertThat(p.exitCode()).as(p.output()).isZero();
        assertThat(shape(p.lines())).isEqualTo(shape(permit.output()));
        assertThat(p.output()).startsWith("allowed: token " + leader.lease().path("fencingToken").asLong() + " for ");

        ExampleProcess onStandby = runPython("api-permit-standby", permit.code(), standby);
        assertThat(onStandby.output()).as("the standby has no permit").isEqualTo("not allowed to schedule now");
        ExampleProcess nobody = runPython("api-permit-nobody", permit.code(), "http://127.0.0.1:9");
        assertThat(nobody.output()).as("no answer is no permit").isEqualTo("not allowed to schedule now");
    }

    @Test
    void apiDocClaimsExampleShouldPrintWhatTheDocShows() throws Exception {
        DocBlock claims = DocBlock.python(DOCS.resolve("api.md"), "def claim(client, handle=None):");
        ExampleProcess p = runPython("api-claims", claims.code(), claimsLeader);
        assertThat(p.exitCode()).as(p.output()).isZero();
        long token = claimsLeader.lease().path("fencingToken").asLong();
        assertThat(p.lines()).isEqualTo(claims.output().stream()
                .map(l -> l.replace("token 1", "token " + token)).toList());

        ExampleProcess podMode = runPython("api-claims-pod-mode", claims.code(), leader);
        assertThat(podMode.lines()).as("a denial's reason").contains("another worker-1, without it: (None, 'PERMIT_MODE_POD')");

        // A 400 has no "reason" in its body, only "error"; a sidecar that does not answer is no grant.
        String definitions = claims.code().substring(0, claims.code().indexOf("token, deadline, handle = claim("));
        ExampleProcess badName = runPython("api-claims-400", definitions + "print(claim('worker 1'))\n", claimsLeader);
        assertThat(badName.output()).isEqualTo("(None, 'BAD_REQUEST', None)");
        ExampleProcess nobody = runPython("api-claims-nobody", definitions + "print(claim('worker-1'))\n",
                "http://127.0.0.1:9");
        assertThat(nobody.output()).isEqualTo("(None, 'NO_ANSWER', None)");
    }

    @Test
    void apiDocExitExampleShouldStepDownAndSurviveAMissingSidecar() throws Exception {
        DocBlock onExit = DocBlock.python(DOCS.resolve("api.md"), "def on_exit_pod_mode():");
        String code = onExit.code() + "\non_exit_pod_mode()\nprint('done')\n";
        ExampleProcess p = runPython("api-exit", code, standby);
        assertThat(p.output()).isEqualTo("done");
        assertThat(standby.lease().path("state").asText()).isEqualTo("STANDBY");
        ExampleProcess gone = runPython("api-exit-no-sidecar", code, "http://127.0.0.1:9");
        assertThat(gone.output()).isEqualTo("done");
    }

    // ------------------------------------------------------------------ recipes

    /**
     * Both recipes in one scenario (one set of sidecars and handoffs for both, to save CI time):
     * each of three pods runs its sidecar, the APScheduler example and a Celery beat of the Celery
     * example (pod mode: every process of the leading pod has a permit, here for two separate
     * schedules); one Celery worker runs what the beats send.
     */
    @Test
    void apschedulerAndCeleryBeatRecipesShouldRunInOnePodAtATimeAcrossHandoffs() throws Exception {
        try (Socket broker = new Socket()) {
            broker.connect(new InetSocketAddress("127.0.0.1", 5672), 2000);
        } catch (IOException e) {
            throw new AssertionError("the Celery test needs RabbitMQ on 127.0.0.1:5672 with user guest/guest:"
                    + " apt-get install -y rabbitmq-server (" + e + ")");
        }
        Path work = Files.createDirectories(dir.resolve("recipes"));
        Path apsRecord = work.resolve("aps-record");
        Path celeryRecord = work.resolve("celery-record");
        Path apsExample = PACKAGE.resolve("examples/apscheduler_app.py");
        assertThat(DocBlock.pythonBlocks(DOCS.resolve("integrations.md"))).as("the guide shows the examples as they run")
                .contains(Files.readString(apsExample), Files.readString(PACKAGE.resolve("examples/celery_app.py")));
        Map<String, String> apsEnv = Map.of("JOB_RECORD", apsRecord.toString(), "EVERY", "0.2", "JOB_SECONDS", "0.1");
        String queue = "schedlock-it-" + UUID.randomUUID();
        Map<String, String> celeryEnv = Map.of("JOB_RECORD", celeryRecord.toString(), "EVERY", "0.2", "QUEUE", queue,
                "BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//");
        List<String> beat = List.of(PYTHON, "-m", "celery", "-A", "celery_app", "beat", "-l", "info");
        try {
            ExampleProcess worker = app("celery-worker", Files.createDirectories(work.resolve("worker")),
                    List.of(PYTHON, "-m", "celery", "-A", "celery_app", "worker", "-P", "solo", "-l", "info"),
                    null, "worker", celeryEnv);
            Map<String, ExampleProcess> schedulers = new HashMap<>();
            Map<String, ExampleProcess> beats = new HashMap<>();
            List<Pod> leaders = handOffTwice(work, pod -> {
                schedulers.put(pod.name, app("aps-" + pod.name, work, List.of(PYTHON, apsExample.toString()),
                        pod.sidecar, pod.name, apsEnv));
                beats.put(pod.name, app("beat-" + pod.name, Files.createDirectories(work.resolve(pod.name)), beat,
                        pod.sidecar, pod.name, celeryEnv));
            }, pod -> {
                awaitRuns(apsRecord, pod.name, 3);
                awaitTokens(celeryRecord, pod.token, 3);
            });
            List<ExampleProcess> stopping = new ArrayList<>(schedulers.values());
            stopping.addAll(beats.values());
            for (ExampleProcess p : stopping) {
                p.sigterm();
            }
            for (ExampleProcess p : schedulers.values()) {
                assertThat(p.awaitExit()).as(p.output()).isZero();
            }
            for (ExampleProcess p : beats.values()) {
                p.awaitExit();
            }
            assertApschedulerRanOnePodAtATime(runs(apsRecord), leaders);

            assertThat(beats.get(leaders.get(2).name).lines()).as("a standby beat ticks, but does not send")
                    .anyMatch(l -> l.contains("schedlock: not sending report (celery_app.report): no permit (STANDBY)"));
            int sent = 0;
            for (Pod leader : leaders) {
                sent += sent(beats.get(leader.name), leader.token);
            }
            int all = sent;
            await("the worker ran every message the beats sent").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                    .until(() -> Files.readAllLines(celeryRecord).size() >= all);
            worker.sigterm();
            worker.awaitExit();
            List<Long> tokens = Files.readAllLines(celeryRecord).stream()
                    .map(l -> Long.parseLong(l.split(" ")[2])).toList();
            assertThat(tokens).as("each message carries its beat's token, one beat at a time").hasSize(sent)
                    .isSorted().containsOnly(leaders.stream().map(Pod::token).toArray(Long[]::new));
        } finally {
            run("delete-queue", work, List.of(PYTHON, "-c", "import amqp, sys\n"
                    + "c = amqp.Connection('127.0.0.1:5672', userid='guest', password='guest'); c.connect()\n"
                    + "c.channel().queue_delete(sys.argv[1]); c.close()", queue), Map.of());
        }
    }

    /** No two runs overlap in time; the pods ran one after the other in the order they led, with their tokens. */
    private static void assertApschedulerRanOnePodAtATime(List<Run> recorded, List<Pod> leaders) {
        List<Run> runs = recorded.stream().sorted((x, y) -> Double.compare(x.start(), y.start())).toList();
        for (int i = 1; i < runs.size(); i++) {
            Run before = runs.get(i - 1);
            Run run = runs.get(i);
            assertThat(run.start()).as("no overlap: %s after %s", run, before).isGreaterThanOrEqualTo(before.end());
            assertThat(run.token()).as("tokens never go down: %s after %s", run, before)
                    .isGreaterThanOrEqualTo(before.token());
        }
        assertThat(runs.stream().map(Run::pod).distinct().toList()).as("one pod after the other, each once")
                .containsExactlyElementsOf(leaders.stream().map(Pod::name).toList());
        assertThat(runs.stream().map(Run::token).distinct().toList()).as("one token per holding, rising")
                .containsExactlyElementsOf(leaders.stream().map(Pod::token).toList()).isSorted()
                .doesNotHaveDuplicates();
    }

    /** A sidecar and the app beside it; {@code token} once it has led. */
    record Pod(String name, SidecarProcess sidecar, long token) {
    }

    interface PodAction {
        void apply(Pod pod) throws Exception;
    }

    /**
     * Three pods on one SQLite file (fast timing), started together, each with its app. Whoever
     * leads runs until {@code ran} says so; then its sidecar gets SIGTERM (graceful handoff), the
     * next leader runs, its sidecar is killed with SIGKILL (takeover after the TTL), and the last
     * one runs. Returns the three leaders in order, with their tokens.
     */
    private List<Pod> handOffTwice(Path work, PodAction startApp, PodAction ran) throws Exception {
        long t0 = System.nanoTime();
        String store = "jdbc:sqlite:" + work.resolve("lease.db");
        List<SidecarProcess> started = new ArrayList<>();
        for (String name : List.of("pod-a", "pod-b", "pod-c")) {
            List<String> args = new ArrayList<>(List.of("run", "--pod-name", name, "--store", store,
                    "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
            args.addAll(FAST_TIMING);
            SidecarProcess p = SidecarProcess.start(name, work, args);
            sidecars.add(p);
            started.add(p);
        }
        List<Pod> pods = new ArrayList<>();
        for (SidecarProcess p : started) {
            p.awaitListening();
            Pod pod = new Pod(p.name(), p, 0);
            startApp.apply(pod);
            pods.add(pod);
        }
        phase(t0, "3 sidecars listen, apps started");
        List<Pod> leaders = new ArrayList<>();
        leaders.add(awaitLeaderAmong(pods));
        ran.apply(leaders.get(0));
        phase(t0, leaders.get(0).name() + " led and ran; SIGTERM to its sidecar");
        leaders.get(0).sidecar().sigterm();
        leaders.add(awaitLeaderAmong(without(pods, leaders)));
        ran.apply(leaders.get(1));
        phase(t0, leaders.get(1).name() + " led and ran; SIGKILL to its sidecar");
        leaders.get(1).sidecar().kill9();
        leaders.add(awaitLeaderAmong(without(pods, leaders)));
        ran.apply(leaders.get(2));
        phase(t0, leaders.get(2).name() + " led and ran");
        assertThat(leaders.get(0).sidecar().awaitExit(PATIENCE)).as("graceful stop").isZero();
        return leaders;
    }

    /** Where the time goes (CI time is scarce): printed to the test's output. */
    private static void phase(long t0, String what) {
        System.out.printf(java.util.Locale.ROOT, "PythonClientIT %6.1f s: %s%n", (System.nanoTime() - t0) / 1e9, what);
    }

    private static List<Pod> without(List<Pod> pods, List<Pod> leaders) {
        return pods.stream().filter(p -> leaders.stream().noneMatch(l -> l.name().equals(p.name()))).toList();
    }

    private static Pod awaitLeaderAmong(List<Pod> candidates) {
        return await("a leader among " + candidates.stream().map(Pod::name).toList()).atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    for (Pod pod : candidates) {
                        try {
                            JsonNode lease = pod.sidecar().lease();
                            if (lease.path("leader").asBoolean()) {
                                return new Pod(pod.name(), pod.sidecar(), lease.path("fencingToken").asLong());
                            }
                        } catch (IOException | AssertionError e) {
                            // not answering (yet): not the leader
                        }
                    }
                    return null;
                }, java.util.Objects::nonNull);
    }

    // ------------------------------------------------------------------ helpers

    record Run(String pod, long token, double start, double end) {
    }

    private static List<Run> runs(Path record) throws IOException {
        if (!Files.exists(record)) {
            return List.of();
        }
        return Files.readAllLines(record).stream().filter(l -> !l.isBlank()).map(l -> l.split(" "))
                .map(f -> new Run(f[0], Long.parseLong(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])))
                .toList();
    }

    private static void awaitRuns(Path record, String pod, int count) {
        await(count + " runs in " + pod).atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> runs(record).stream().filter(r -> r.pod().equals(pod)).count() >= count);
    }

    private static void awaitTokens(Path record, long token, int count) {
        await(count + " messages with token " + token).atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> Files.exists(record) && Files.readAllLines(record).stream()
                        .filter(l -> l.endsWith(" " + token)).count() >= count);
    }

    private static final Pattern SENT = Pattern.compile("schedlock: sent report with fencing token (\\d+)");

    /** How many messages a beat logged as sent; all of them with {@code token}. */
    private static int sent(ExampleProcess beat, long token) {
        List<Long> tokens = beat.lines().stream().map(SENT::matcher).filter(Matcher::find)
                .map(m -> Long.parseLong(m.group(1))).toList();
        assertThat(tokens).as(beat + " sent with its own holding's token only").containsOnly(token);
        return tokens.size();
    }

    /** Every run of a number becomes N: timings, tokens and ports differ from run to run. */
    private static List<String> shape(List<String> lines) {
        return lines.stream().map(l -> l.replaceAll("\\d+(\\.\\d+)?", "N")).toList();
    }

    /** Starts {@code run} with system-chosen ports, without waiting for it to listen. */
    private SidecarProcess launch(String pod, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("run", "--pod-name", pod,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
        all.addAll(List.of(args));
        SidecarProcess p = SidecarProcess.start(pod, dir, all);
        sidecars.add(p);
        return p;
    }

    private static long awaitLeading(SidecarProcess p) {
        JsonNode lease = await(p + " leads").atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    try {
                        return p.lease();
                    } catch (IOException | AssertionError e) {
                        return null;
                    }
                }, l -> l != null && l.path("leader").asBoolean());
        return lease.path("fencingToken").asLong();
    }

    private static String url(SidecarProcess sidecar) {
        return sidecar.controlUri("").toString().replaceAll("/$", "");
    }

    /** A Python program beside {@code sidecar} (none for a Celery worker), with the package on its path. */
    private ExampleProcess app(String name, Path work, List<String> command, SidecarProcess sidecar, String pod,
            Map<String, String> extra) throws IOException {
        Map<String, String> env = pythonEnv(extra);
        if (sidecar != null) {
            env.put("SCHEDLOCK_URL", url(sidecar));
        }
        env.put("POD_NAME", pod);
        ExampleProcess p = ExampleProcess.start(name, work, command, env);
        apps.add(p);
        return p;
    }

    private ExampleProcess run(String name, Path work, List<String> command, Map<String, String> extra)
            throws IOException, InterruptedException {
        ExampleProcess p = ExampleProcess.start(name, work, command, pythonEnv(extra));
        apps.add(p);
        p.awaitExit();
        return p;
    }

    private ExampleProcess runPython(String name, String code, SidecarProcess sidecar)
            throws IOException, InterruptedException {
        return runPython(name, code, url(sidecar));
    }

    /** Runs a documentation example with its sidecar address replaced by {@code url}. */
    private ExampleProcess runPython(String name, String code, String url) throws IOException, InterruptedException {
        assertThat(code).as("the example talks to the default control API").contains("http://127.0.0.1:8470");
        Path file = dir.resolve(name + ".py");
        Files.writeString(file, code.replace("http://127.0.0.1:8470", url));
        return run(name, dir, List.of(PYTHON, file.toString()), Map.of());
    }

    private static Map<String, String> pythonEnv(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        // the package, its examples, and its root for tests.sidecar_suite
        env.put("PYTHONPATH", PACKAGE.resolve("src") + ":" + PACKAGE.resolve("examples") + ":" + PACKAGE);
        env.put("PYTHONDONTWRITEBYTECODE", "1");        // no __pycache__ in the source tree
        env.put("PYTHONUNBUFFERED", "1");
        return env;
    }

    /** A fenced code block of a Markdown file and the plain block right after it (its output), if any. */
    record DocBlock(String code, List<String> output) {

        private static final Pattern BLOCK = Pattern.compile("```(\\w*)\\n(.*?)```", Pattern.DOTALL);

        static DocBlock python(Path markdown, String containing) throws IOException {
            String text = Files.readString(markdown);
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                if (m.group(1).equals("python") && m.group(2).contains(containing)) {
                    String code = m.group(2);
                    List<String> output = List.of();
                    Matcher next = BLOCK.matcher(text);
                    if (next.find(m.end()) && next.group(1).isEmpty()
                            && text.substring(m.end(), next.start()).isBlank()) {
                        output = next.group(2).lines().toList();
                    }
                    return new DocBlock(code, output);
                }
            }
            throw new AssertionError(markdown + " has no python block with '" + containing + "'");
        }

        static List<String> pythonBlocks(Path markdown) throws IOException {
            List<String> blocks = new ArrayList<>();
            Matcher m = BLOCK.matcher(Files.readString(markdown));
            while (m.find()) {
                if (m.group(1).equals("python")) {
                    blocks.add(m.group(2));
                }
            }
            return blocks;
        }
    }
}
