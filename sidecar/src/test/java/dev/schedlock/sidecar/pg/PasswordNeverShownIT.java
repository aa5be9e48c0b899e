package dev.schedlock.sidecar.pg;

import static dev.schedlock.sidecar.pg.PgSidecars.oneShot;
import static dev.schedlock.sidecar.pg.PgSidecars.run;
import static org.assertj.core.api.Assertions.assertThat;

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
    private final List<PgSidecar> processes = new ArrayList<>();
    /** What each place said, by place, for the search and for failure messages. */
    private final Map<String, String> said = new LinkedHashMap<>();

    @AfterEach
    void stopAndDrop() throws InterruptedException {
        for (PgSidecar p : processes) {
            p.close();
        }
        LocalPostgres.dropSchema(schema);
    }

    enum Source { FILE, ENVIRONMENT }

    @ParameterizedTest
    @EnumSource(Source.class)
    void shouldNeverShowThePasswordWhileLeading(Source source) throws Exception {
        Credentials credentials = credentials(source);
        PgSidecar sidecar = start("leader", credentials, run(LocalPostgres.URL, schema,
                with(credentials, "--log-level", "trace")));
        PgSidecars.await("the sidecar leads", Duration.ofSeconds(60), () -> isLeader(sidecar));

        record("GET /v1/lease", sidecar.control("/v1/lease").body());
        record("GET /v1/lease/allowed", sidecar.control("/v1/lease/allowed").body());
        recordStatusServer(sidecar);
        assertThat(said.get("/readyz")).startsWith("ready");
        assertThat(said.get("/metrics")).contains("schedlock_");
        oneShots(credentials, LocalPostgres.USER, LocalPostgres.URL, 0);
        assertThat(said.get("status")).contains("held");
        assertThat(said.get("history")).contains("acquired");
        sidecar.terminate();
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
        PgSidecar sidecar = start("unknown-db", credentials, run(url, schema,
                with(credentials, "--log-level", "trace")));
        PgSidecars.await("/readyz names the missing database", Duration.ofSeconds(60),
                () -> sidecar.readyz().contains("does not exist"));

        recordStatusServer(sidecar);
        assertThat(said.get("/readyz")).startsWith("not ready").contains(database);
        oneShots(credentials, LocalPostgres.USER, url, 2);
        assertThat(said.get("status")).contains("the database does not exist");
        assertThat(sidecar.isAlive()).as("still retrying").isTrue();
        sidecar.terminate();
        sidecar.awaitExit(Duration.ofSeconds(30));
        recordOutput(sidecar);

        assertPasswordNowhere();
    }

    @Test
    void shouldNeverShowAWrongPassword() throws Exception {
        String role = LocalPostgres.uniqueName("schedlock_pw");
        LocalPostgres.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'the-right-one'");
        try (PasswordLogin login = PasswordLogin.requireFor(role, "the-right-one")) {
            Credentials credentials = credentials(Source.FILE);
            List<String> args = PgSidecars.runAs(role, LocalPostgres.URL, schema,
                    with(credentials, "--log-level", "trace"));
            PgSidecar sidecar = start("wrong-password", credentials, args);
            PgSidecars.await("/readyz says the login failed", Duration.ofSeconds(60),
                    () -> sidecar.readyz().contains("authentication failed for user '" + role + "'"));

            recordStatusServer(sidecar);
            oneShots(credentials, role, LocalPostgres.URL, 2);
            assertThat(said.get("status")).contains("authentication failed");
            assertThat(sidecar.isAlive()).as("still retrying").isTrue();
            sidecar.terminate();
            sidecar.awaitExit(Duration.ofSeconds(30));
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
            PgSidecar refused = PgSidecar.run(command, dir, Map.of(), args);

            assertThat(refused.exitCode()).as("%s exit code", command).isEqualTo(2);
            assertThat(refused.output()).contains("store URL contains a password")
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

    private PgSidecar start(String name, Credentials credentials, List<String> args) throws IOException {
        PgSidecar p = PgSidecar.start(name, dir, credentials.env(), args);
        processes.add(p);
        return p;
    }

    /** Runs {@code status} (text and JSON) and {@code history}; each must exit with {@code exitCode}. */
    private void oneShots(Credentials credentials, String user, String url, int exitCode)
            throws IOException, InterruptedException {
        for (List<String> command : List.of(List.of("status"), List.of("status", "--output", "json"),
                List.of("history"))) {
            List<String> args = oneShot(command.get(0), user, url, schema, with(credentials));
            args.addAll(command.subList(1, command.size()));
            PgSidecar p = PgSidecar.run(command.get(0), dir, credentials.env(), args);
            assertThat(p.exitCode()).as("exit code of %s:\n%s", command, p.output()).isEqualTo(exitCode);
            said.merge(command.get(0), p.output(), String::concat);
        }
    }

    private void recordStatusServer(PgSidecar sidecar) throws IOException, InterruptedException {
        for (String path : List.of("/readyz", "/healthz", "/metrics", "/v1/lease")) {
            record(path, sidecar.status(path).body());
        }
    }

    /** The whole output of a sidecar that ran at trace level: the driver's protocol log is in it. */
    private void recordOutput(PgSidecar sidecar) {
        assertThat(sidecar.output()).as("the driver's trace").contains("FE=> StartupPacket");
        record("sidecar output", sidecar.output());
    }

    private void record(String place, String text) {
        said.merge(place, text, String::concat);
    }

    private void assertPasswordNowhere() {
        assertThat(said).isNotEmpty();
        said.forEach((place, text) -> assertThat(text).as("what %s said", place).doesNotContain(PASSWORD));
    }

    private static boolean isLeader(PgSidecar sidecar) {
        try {
            return sidecar.controlListening() && sidecar.control("/v1/lease").json().path("leader").asBoolean();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

}
