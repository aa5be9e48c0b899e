package dev.schedlock.sidecar.process;

import static dev.schedlock.sidecar.process.PostgresSidecars.oneShotArgs;
import static dev.schedlock.sidecar.process.PostgresSidecars.runArgs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.sidecar.store.jdbc.LocalPostgres;
import dev.schedlock.sidecar.store.jdbc.PasswordLogin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The store password never shows: real sidecar processes on the local PostgreSQL get a distinctive
 * password from a file or from {@code SCHEDLOCK_STORE_PASSWORD}, and everything they say is
 * searched for it: their whole output (at trace level, the driver's included), the control API,
 * {@code /readyz}, {@code /healthz}, {@code /metrics} and the status server's {@code /v1/lease},
 * and the {@code status} and {@code history} commands, when all goes well and when it does not.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PasswordNeverShownIT {

    private static final String PASSWORD = "s3cr3t-PASSWORD-xyz";

    @TempDir
    Path dir;

    private final String schema = LocalPostgres.uniqueName("leak");
    private final List<SidecarProcess> processes = new ArrayList<>();
    /** What each place said, by place, for the search and for failure messages. */
    private final Map<String, String> said = new LinkedHashMap<>();

    @AfterEach
    void stopAndDrop() {
        for (SidecarProcess p : processes) {
            p.close();
        }
        LocalPostgres.dropSchema(schema);
    }

    enum Source { FILE, ENVIRONMENT }

    @ParameterizedTest
    @EnumSource(Source.class)
    void shouldNeverShowThePasswordWhileLeading(Source source) throws Exception {
        Credentials credentials = credentials(source);
        // Both log formats: JSON lines carry the context fields too (lock, holder, token, storeId).
        SidecarProcess sidecar = start("leader", credentials, runArgs(LocalPostgres.USER, LocalPostgres.URL, schema,
                with(credentials, "--log-level", "trace", "--log-format", source == Source.FILE ? "json" : "plain")));
        sidecar.awaitListening();
        Sidecars.awaitLeading(sidecar);

        record("GET /v1/lease", sidecar.get("/v1/lease").body());
        record("GET /v1/lease/allowed", sidecar.get("/v1/lease/allowed").body());
        recordStatusServer(sidecar);
        assertThat(said.get("/readyz")).startsWith("ready");
        assertThat(said.get("/metrics")).contains("schedlock_");
        oneShots(credentials, LocalPostgres.USER, LocalPostgres.URL, 0);
        assertThat(said.get("status")).contains("held");
        assertThat(said.get("history")).contains("acquired");
        sidecar.sigterm();
        assertThat(sidecar.awaitExit(Duration.ofSeconds(30))).isZero();
        recordOutput(sidecar);

        assertPasswordNowhere();
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void shouldNeverShowThePasswordWhenTheDatabaseDoesNotExist(Source source) throws Exception {
        Credentials credentials = credentials(source);
        String database = LocalPostgres.uniqueName("no_such_db");
        String url = LocalPostgres.URL.replaceFirst("/[^/?]+(\\?.*)?$", "/" + database + "$1");
        SidecarProcess sidecar = start("unknown-db", credentials, runArgs(LocalPostgres.USER, url, schema,
                with(credentials, "--log-level", "trace")));
        await("the log names the missing database").atMost(Duration.ofSeconds(60))
                .until(() -> PostgresSidecars.output(sidecar).contains("does not exist"));

        recordStatusServer(sidecar);
        // The kind of problem on the pod IP; the database's name only in the log.
        assertThat(said.get("/readyz")).startsWith("not ready: store cannot be opened").doesNotContain(database);
        assertThat(PostgresSidecars.output(sidecar)).contains(database);
        oneShots(credentials, LocalPostgres.USER, url, 2);
        assertThat(said.get("status")).contains("the database does not exist");
        assertThat(sidecar.isAlive()).as("still retrying").isTrue();
        sidecar.sigterm();
        assertThat(sidecar.awaitExit(Duration.ofSeconds(30))).isZero();
        recordOutput(sidecar);

        assertPasswordNowhere();
    }

    @Test
    void shouldNeverShowAWrongPassword() throws Exception {
        String role = LocalPostgres.uniqueName("schedlock_pw");
        LocalPostgres.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'the-right-one'");
        try (PasswordLogin login = PasswordLogin.requireFor(role, "the-right-one")) {
            Credentials credentials = credentials(Source.FILE);
            List<String> args = runArgs(role, LocalPostgres.URL, schema, with(credentials, "--log-level", "trace"));
            SidecarProcess sidecar = start("wrong-password", credentials, args);
            await("the log says the login failed").atMost(Duration.ofSeconds(60)).until(() ->
                    PostgresSidecars.output(sidecar).contains("authentication failed for user '" + role + "'"));

            recordStatusServer(sidecar);
            assertThat(said.get("/readyz")).startsWith("not ready: store cannot be opened").doesNotContain(role);
            oneShots(credentials, role, LocalPostgres.URL, 2);
            assertThat(said.get("status")).contains("authentication failed");
            assertThat(sidecar.isAlive()).as("still retrying").isTrue();
            sidecar.sigterm();
            assertThat(sidecar.awaitExit(Duration.ofSeconds(30))).isZero();
            recordOutput(sidecar);
        } finally {
            LocalPostgres.execute("DROP ROLE " + role);
        }

        assertPasswordNowhere();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "jdbc:postgresql://postgres:" + PASSWORD + "@127.0.0.1:5432/test",
        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&password=" + PASSWORD,
        "jdbc:postgresql://127.0.0.1:5432/test?PASSWORD=" + PASSWORD + "&ssl=false"})
    void shouldRefuseAPasswordInTheUrlWithoutEchoingIt(String url) throws Exception {
        for (String command : List.of("run", "status", "history", "migrate")) {
            List<String> args = new ArrayList<>(List.of(command, "--store", url, "--store-schema", schema));
            if (command.equals("run")) {
                args.addAll(List.of("--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
            }
            SidecarProcess.Finished refused = SidecarProcess.run(command, dir, args);

            assertThat(refused.exitCode()).as("%s exit code", command).isEqualTo(2);
            assertThat(refused.out() + refused.err()).contains("store URL contains a password")
                    .contains("--store-password-file").doesNotContain(PASSWORD);
        }
        assertThat(LocalPostgres.schemaExists(schema)).isFalse();
    }

    // ------------------------------------------------------------------ helpers

    /** How the password reaches the process: extra arguments, or the environment. */
    private record Credentials(List<String> args, Map<String, String> env) {
    }

    private Credentials credentials(Source source) throws IOException {
        if (source == Source.ENVIRONMENT) {
            return new Credentials(List.of(), Map.of("SCHEDLOCK_STORE_PASSWORD", PASSWORD));
        }
        Path file = dir.resolve("store-password");
        Files.writeString(file, PASSWORD + "\n");
        return new Credentials(List.of("--store-password-file", file.toString()), Map.of());
    }

    private static String[] with(Credentials credentials, String... extra) {
        List<String> args = new ArrayList<>(credentials.args());
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    private SidecarProcess start(String name, Credentials credentials, List<String> args) throws IOException {
        SidecarProcess p = SidecarProcess.start(name, dir, args, credentials.env());
        processes.add(p);
        return p;
    }

    /** Runs {@code status} (text and JSON) and {@code history}; each must exit with {@code exitCode}. */
    private void oneShots(Credentials credentials, String user, String url, int exitCode)
            throws IOException, InterruptedException {
        for (List<String> command : List.of(List.of("status"), List.of("status", "--output", "json"),
                List.of("history"))) {
            List<String> args = oneShotArgs(command.get(0), user, url, schema, with(credentials));
            args.addAll(command.subList(1, command.size()));
            SidecarProcess.Finished p = SidecarProcess.run(command.get(0), dir, args, credentials.env());
            assertThat(p.exitCode()).as("exit code of %s:\n%s", command, p).isEqualTo(exitCode);
            said.merge(command.get(0), p.out() + "\n" + p.err(), String::concat);
        }
    }

    private void recordStatusServer(SidecarProcess sidecar) throws IOException, InterruptedException {
        for (String path : List.of("/readyz", "/healthz", "/metrics", "/v1/lease")) {
            record(path, sidecar.statusGet(path).body());
        }
    }

    /** The whole output of a sidecar that ran at trace level: the driver's protocol log is in it. */
    private void recordOutput(SidecarProcess sidecar) {
        String output = PostgresSidecars.output(sidecar);
        assertThat(output).as("the driver's trace").contains("FE=> StartupPacket");
        record("sidecar output", output);
    }

    private void record(String place, String text) {
        said.merge(place, text, String::concat);
    }

    private void assertPasswordNowhere() {
        assertThat(said).isNotEmpty();
        said.forEach((place, text) -> assertThat(text).as("what %s said", place).doesNotContain(PASSWORD));
    }
}
