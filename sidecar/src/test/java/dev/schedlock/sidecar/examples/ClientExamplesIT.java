package dev.schedlock.sidecar.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedlock.sidecar.process.Claimant;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client examples of {@code docs/examples/clients}, run as they are written (sh, python3, the
 * running JDK's single-file source launcher) against real sidecar processes: a pod-mode leader and
 * standby on one SQLite file, and a claims-mode leader on another lock of the same file. Default
 * lease timing, so the leader keeps its lease for the whole class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientExamplesIT {

    private static final Path EXAMPLES = Path.of(System.getProperty("schedlock.examples.dir", "../docs/examples"))
            .resolve("clients").toAbsolutePath().normalize();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path sidecarDir;

    private SidecarProcess leader;
    private SidecarProcess standby;
    private SidecarProcess claimsLeader;
    private long token;
    private final List<ExampleProcess> started = new ArrayList<>();

    @BeforeAll
    void startSidecars() throws Exception {
        String store = "jdbc:sqlite:" + sidecarDir.resolve("lease.db");
        leader = start("pod-a", "--store", store);
        token = awaitLeading(leader);
        standby = start("pod-b", "--store", store);
        claimsLeader = start("pod-c", "--store", store, "--lock-name", "workers", "--permit-mode", "claims");
        awaitLeading(claimsLeader);
    }

    @AfterAll
    void stopSidecars() {
        for (SidecarProcess p : new SidecarProcess[] {leader, standby, claimsLeader}) {
            if (p != null) {
                p.close();
            }
        }
    }

    @AfterEach
    void stopExamples() {
        started.forEach(ExampleProcess::close);
        started.clear();
    }

    // ------------------------------------------------------------------ shell

    @Test
    void cronJobScriptShouldRunTheJobWithTheLeadersTokenAndSkipItElsewhere(@TempDir Path work) throws Exception {
        List<String> job = List.of("sh", script("shell/cron-job.sh"), "sh", "-c",
                "echo \"$SCHEDLOCK_FENCING_TOKEN\" > ran-with-token");

        ExampleProcess onLeader = run("cron-leader", work, job, url(leader));
        assertThat(onLeader.exitCode()).as(onLeader.output()).isZero();
        assertThat(Files.readString(work.resolve("ran-with-token")).trim()).isEqualTo(Long.toString(token));
        Files.delete(work.resolve("ran-with-token"));

        ExampleProcess onStandby = run("cron-standby", work, job, url(standby));
        assertThat(onStandby.exitCode()).as("skipping is not an error for cron: " + onStandby.output()).isZero();
        assertThat(onStandby.output()).contains("no permit").contains("skipping");
        assertThat(work.resolve("ran-with-token")).as("the job did not run on the standby").doesNotExist();

        ExampleProcess noSidecar = run("cron-no-sidecar", work, job, Map.of("SCHEDLOCK_URL", "http://127.0.0.1:9"));
        assertThat(noSidecar.exitCode()).as(noSidecar.output()).isEqualTo(1);
        assertThat(noSidecar.output()).contains("did not answer");
        assertThat(work.resolve("ran-with-token")).as("no answer is no permit").doesNotExist();
    }

    @Test
    void claimsLoopScriptShouldRunJobsUnderItsClaimAndReturnItOnSigterm(@TempDir Path work) throws Exception {
        Map<String, String> env = new HashMap<>(url(claimsLeader));
        env.put("SCHEDLOCK_CLIENT", "worker-sh");
        env.put("JOB_INTERVAL", "0.3");
        ExampleProcess loop = start("claims-loop", work, List.of("sh", script("shell/claims-loop.sh"), "sh", "-c",
                "echo \"$SCHEDLOCK_FENCING_TOKEN\" >> tokens"), env);

        await("two jobs ran").atMost(ExampleProcess.PATIENCE).pollInterval(Duration.ofMillis(100))
                .until(() -> Files.exists(work.resolve("tokens")) && Files.readAllLines(work.resolve("tokens")).size() >= 2);
        assertThat(Files.readAllLines(work.resolve("tokens"))).as("every job got the lease's token")
                .allSatisfy(t -> assertThat(Long.parseLong(t)).isPositive());
        assertHeldBy("worker-sh");

        loop.sigterm();
        assertThat(loop.awaitExit()).as(loop.output()).isZero();
        assertThat(loop.output()).contains("returned claim worker-sh (HTTP 204)");
        assertClaimReturned("worker-sh");
    }

    // ------------------------------------------------------------------ Python and Java

    @ParameterizedTest
    @ValueSource(strings = {"python", "java"})
    void schedulerShouldRunJobsWithTheTokenOnlyWhileItsPodLeads(String language, @TempDir Path work) throws Exception {
        Map<String, String> env = jobEnv(work, url(leader));
        env.put("MAX_JOBS", "3");
        ExampleProcess onLeader = run(language + "-leader", work, scheduler(language), env);
        assertThat(onLeader.exitCode()).as(onLeader.output()).isZero();
        assertThat(onLeader.lines()).as("three jobs, each with the leader's token").containsSubsequence(
                "job report run 1 with fencing token " + token,
                "job report run 2 with fencing token " + token,
                "job report run 3 with fencing token " + token);
        assertThat(jobRow(work)).as("runs, last_token in the protected table").containsExactly(3L, token);

        ExampleProcess onStandby = start(language + "-standby", work, scheduler(language),
                jobEnv(work, url(standby)));
        onStandby.awaitLine("no permit: STANDBY");
        onStandby.sigterm();
        onStandby.awaitExit();
        assertThat(onStandby.output()).as("no job on the standby").doesNotContain("job report run")
                .contains("stopped after 0 jobs");
        assertThat(jobRow(work)).as("unchanged by the standby").containsExactly(3L, token);
    }

    @ParameterizedTest
    @ValueSource(strings = {"python", "java"})
    void schedulerShouldStopWhenANewerTokenHasWritten(String language, @TempDir Path work) throws Exception {
        createJobRow(work, token + 1); // a newer leader already wrote this job
        ExampleProcess late = run(language + "-fenced", work, scheduler(language), jobEnv(work, url(leader)));

        assertThat(late.exitCode()).as(late.output()).isEqualTo(3);
        assertThat(late.output()).contains("fenced off: token " + token + " is older than token " + (token + 1));
        assertThat(jobRow(work)).as("the stale write was refused").containsExactly(0L, token + 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"python", "java"})
    void schedulerInClaimsModeShouldReturnItsClaimOnSigterm(String language, @TempDir Path work) throws Exception {
        String client = "worker-" + language;
        Map<String, String> env = jobEnv(work, url(claimsLeader));
        env.put("SCHEDLOCK_PERMIT_MODE", "claims");
        env.put("SCHEDLOCK_CLIENT", client);
        ExampleProcess scheduler = start(language + "-claims", work, scheduler(language), env);
        scheduler.awaitLine("job report run 2 with fencing token");
        assertHeldBy(client);

        scheduler.sigterm();
        // A JVM ends with 143 after SIGTERM, whatever its shutdown hooks do; Python exits 0.
        assertThat(scheduler.awaitExit()).as(scheduler.output()).isEqualTo(language.equals("java") ? 143 : 0);
        assertThat(scheduler.output()).contains("returned claim " + client + " (HTTP 204)");
        assertClaimReturned(client);
        assertThat(jobRow(work).get(0)).as("runs").isGreaterThanOrEqualTo(2L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"python", "java"})
    void secondSchedulerWithTheSameClientNameShouldGetNoPermitWhileTheFirstHoldsTheClaim(String language,
            @TempDir Path work) throws Exception {
        String client = "worker-pid-1"; // as two containers whose processes both have pid 1 would name themselves
        Map<String, String> env = jobEnv(work, url(claimsLeader));
        env.put("SCHEDLOCK_PERMIT_MODE", "claims");
        env.put("SCHEDLOCK_CLIENT", client);
        ExampleProcess first = start(language + "-first", work, scheduler(language), env);
        first.awaitLine("job report run 1 with fencing token");

        ExampleProcess second = start(language + "-second", work, scheduler(language), env);
        second.awaitLine("no permit: HANDLE_MISMATCH");
        long jobs = first.lines().stream().filter(l -> l.startsWith("job report run")).count();
        first.awaitLine("job report run " + (jobs + 1) + " with fencing token"); // the first keeps its claim
        second.sigterm();
        second.awaitExit();
        first.sigterm();
        first.awaitExit();

        assertThat(second.output()).as("the second never ran a job").doesNotContain("job report run")
                .doesNotContain("returned claim");
        assertThat(first.output()).contains("returned claim " + client + " (HTTP 204)");
        assertClaimReturned(client);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * While {@code client} holds the claim, another client is refused with its name, and nobody can
     * return it without the example's handle.
     */
    private void assertHeldBy(String client) throws Exception {
        SidecarProcess.Reply other = new Claimant(claimsLeader, "someone-else").claim();
        assertThat(other.status()).as(other.body()).isEqualTo(409);
        assertThat(other.json().path("heldBy").asText()).isEqualTo(client);
        SidecarProcess.Reply stolen = new Claimant(claimsLeader, client).returnClaim();
        assertThat(stolen.status()).as("returned without the handle: " + stolen.body()).isEqualTo(409);
    }

    /**
     * The example DELETEd its claim: a DELETE without its handle finds none (409 would mean it was
     * still held: it had been renewed a moment before the exit, so it cannot have expired yet), and
     * another client gets the permit at once instead of after the permit TTL.
     */
    private void assertClaimReturned(String client) throws Exception {
        SidecarProcess.Reply again = new Claimant(claimsLeader, client).returnClaim();
        assertThat(again.status()).as("claim already returned: " + again.body()).isEqualTo(404);
        Claimant next = new Claimant(claimsLeader, "someone-else");
        SidecarProcess.Reply granted = next.claim();
        assertThat(granted.status()).as(granted.body()).isEqualTo(200);
        assertThat(next.returnClaim().status()).isEqualTo(204);
    }

    private SidecarProcess start(String pod, String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("run", "--pod-name", pod,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
        all.addAll(List.of(args));
        return SidecarProcess.start(pod, sidecarDir, all).awaitListening();
    }

    private static long awaitLeading(SidecarProcess p) {
        JsonNode lease = await(p + " leads").atMost(ExampleProcess.PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(p::lease, l -> l.path("leader").asBoolean());
        return lease.path("fencingToken").asLong();
    }

    private ExampleProcess start(String name, Path work, List<String> command, Map<String, String> env)
            throws IOException {
        ExampleProcess p = ExampleProcess.start(name, work, command, env);
        started.add(p);
        return p;
    }

    private ExampleProcess run(String name, Path work, List<String> command, Map<String, String> env)
            throws IOException, InterruptedException {
        ExampleProcess p = start(name, work, command, env);
        p.awaitExit();
        return p;
    }

    private static Map<String, String> url(SidecarProcess sidecar) {
        return Map.of("SCHEDLOCK_URL", sidecar.controlUri("").toString());
    }

    private static Map<String, String> jobEnv(Path work, Map<String, String> url) {
        Map<String, String> env = new HashMap<>(url);
        env.put("JOBS_DB", work.resolve("jobs.db").toString());
        env.put("JOB_INTERVAL", "0.2");
        return env;
    }

    private static String script(String relative) {
        Path file = EXAMPLES.resolve(relative);
        assertThat(file).as("example in docs/examples/clients").isRegularFile();
        return file.toString();
    }

    private static List<String> scheduler(String language) throws URISyntaxException {
        if (language.equals("python")) {
            return List.of("python3", script("python/scheduler.py"));
        }
        // The JDK's single-file source launcher, with the SQLite driver for the protected database.
        String java = ProcessHandle.current().info().command().orElse("java");
        Path sqliteJdbc = Path.of(org.sqlite.JDBC.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return List.of(java, "-cp", sqliteJdbc.toString(), script("java/Scheduler.java"));
    }

    /** {@code [runs, last_token]} of the example's job row. */
    private static List<Long> jobRow(Path work) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + work.resolve("jobs.db"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT runs, last_token FROM job_state WHERE job = 'report'")) {
            assertThat(rs.next()).as("job row").isTrue();
            return List.of(rs.getLong(1), rs.getLong(2));
        }
    }

    private static void createJobRow(Path work, long lastToken) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + work.resolve("jobs.db"));
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE job_state (job TEXT PRIMARY KEY, runs INTEGER NOT NULL DEFAULT 0,"
                    + " last_token INTEGER NOT NULL DEFAULT 0, last_run_at REAL)");
            st.execute("INSERT INTO job_state (job, last_token) VALUES ('report', " + lastToken + ")");
        }
    }
}
