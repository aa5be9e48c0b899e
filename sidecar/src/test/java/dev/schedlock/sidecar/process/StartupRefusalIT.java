package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Bad start-up input: the sidecar exits 2 with one line on stderr that names the problem, and
 * leaves the store as it found it (no lease taken, no file written).
 */
class StartupRefusalIT extends WithSidecars {

    /** A line of the sidecar's own log (plain format), as opposed to the one error line. */
    private static final Pattern LOG_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\S+Z (DEBUG|INFO |WARN |ERROR) .*");

    @Test
    void shouldRefuseAnUnknownFlag() throws Exception {
        SidecarProcess.Finished run = refuse(args("--no-such-flag", "1"));
        assertThat(run.err()).contains("--no-such-flag");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseImpossibleTiming() throws Exception {
        List<String> args = replace(args(), "--heartbeat-interval", "1s");
        SidecarProcess.Finished run = refuse(args);
        assertThat(run.err()).contains("ttl (2s)", "heartbeat-interval (1s)");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseANonLoopbackControlAddress() throws Exception {
        SidecarProcess.Finished run = refuse(replace(args(), "--control-address", "0.0.0.0:0"));
        assertThat(run.err()).contains("control-address", "0.0.0.0", "loopback");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseAControlAddressThatDoesNotResolve() throws Exception {
        SidecarProcess.Finished run = refuse(replace(args(), "--control-address", "no-such-host.invalid:0"));
        assertThat(run.err()).contains("control-address", "no-such-host.invalid");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseAControlPortInUseWithoutTakingTheLease() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SidecarProcess.Finished run = refuse(replace(args(), "--control-address",
                    "127.0.0.1:" + taken.getLocalPort()));
            assertThat(run.err()).contains("already in use", "127.0.0.1:" + taken.getLocalPort());
        }
        assertThat(sidecars.store().row("default")).as("lease row: the sidecar must not lead before it listens")
                .isEmpty();
        assertThat(sidecars.store().history()).isEmpty();
    }

    @Test
    void shouldRefuseAStoreFileThatIsNotADatabaseAndLeaveItAlone() throws Exception {
        byte[] garbage = new byte[3000];
        new Random(42).nextBytes(garbage);
        Path file = sidecars.store().path();
        Files.write(file, garbage);

        SidecarProcess.Finished run = refuse(args());
        assertThat(run.err()).contains(file.toString(), "not a SQLite database");
        assertThat(Files.readAllBytes(file)).as("the store file after the refused start").isEqualTo(garbage);
        assertThat(Files.exists(Path.of(file + "-wal"))).as("a -wal file").isFalse();
        assertThat(Files.exists(Path.of(file + "-shm"))).as("a -shm file").isFalse();
    }

    @Test
    void shouldRefuseAnOverflowingDurationNamingTheFlag() throws Exception {
        SidecarProcess.Finished run = refuse(replace(args(), "--ttl", "999999999999d"));
        assertThat(run.err()).contains("'--ttl'", "'999999999999d' is too long", "3650d").doesNotContain("overflow");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseATtlAboveItsBound() throws Exception {
        SidecarProcess.Finished run = refuse(replace(args(), "--ttl", "2h"));
        assertThat(run.err()).contains("ttl (7200s) must be at most 1h");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseAnOverflowingDurationFromTheEnvironmentNamingTheFlag() throws Exception {
        List<String> args = new ArrayList<>(args());
        int at = args.indexOf("--ttl");
        args.subList(at, at + 2).clear(); // the flag would win over the environment
        SidecarProcess.Finished run = refuse(args, Map.of("SCHEDLOCK_TTL", "999999999999d"));
        assertThat(run.err()).contains("'--ttl'", "too long");
        assertStoreUntouched();
    }

    @Test
    void shouldReadACompoundDurationFromTheEnvironment() throws Exception {
        List<String> args = new ArrayList<>(replace(args(), "--heartbeat-interval", "31s"));
        int at = args.indexOf("--ttl");
        args.subList(at, at + 2).clear(); // the flag would win over the environment
        // 1m30s is read as 90s: the refusal is about the timing, not the duration's syntax.
        SidecarProcess.Finished run = refuse(args, Map.of("SCHEDLOCK_TTL", "1m30s"));
        assertThat(run.err()).contains("ttl (90s) must be at least 3 × heartbeat-interval (31s)");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseADeviceAsThePasswordFileWithoutReadingIt() throws Exception {
        SidecarProcess.Finished run = refuse(args("--store-password-file", "/dev/zero"));
        assertThat(run.err()).contains("--store-password-file '/dev/zero' is not a regular file")
                .doesNotContain("OutOfMemoryError");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseAFifoAsThePasswordFileWithoutWaitingForAWriter() throws Exception {
        Path fifo = dir.resolve("password.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).as("mkfifo (coreutils; apt-get install coreutils)").isZero();

        SidecarProcess.Finished run = refuse(args("--store-password-file", fifo.toString()));
        assertThat(run.err()).contains("--store-password-file", "is not a regular file");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseAnOversizedPasswordFileWithoutShowingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("password"), "S3cret" + "x".repeat(5000));
        SidecarProcess.Finished run = refuse(args("--store-password-file", file.toString()));
        assertThat(run.err()).contains("--store-password-file", "larger than 4096 bytes").doesNotContain("S3cret");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseAPodNameThatWouldForgeALogOrHistoryLine() throws Exception {
        SidecarProcess.Finished run = refuse(replace(args(), "--pod-name",
                "pod-a\n2026-01-01T00:00:00Z INFO  LeaseElector forged \u001b[2J"));
        assertThat(run.err()).contains("pod-name 'pod-a\\n2026-01-01T00:00:00Z INFO  LeaseElector forged \\x1b[2J'");
        assertThat(run.stderr()).noneMatch(l -> l.startsWith("2026-01-01"));
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseAPodNameOf10000CharactersAndAPodUidWithASlash() throws Exception {
        SidecarProcess.Finished longName = refuse(replace(args(), "--pod-name", "p".repeat(10_000)));
        assertThat(longName.err()).contains("pod-name", "(10000 characters)").hasSizeLessThan(500);
        SidecarProcess.Finished uid = refuse(args("--pod-uid", "uid/other"));
        assertThat(uid.err()).contains("pod-uid 'uid/other' is not valid");
        assertStoreUntouched();
    }

    @Test
    void shouldRefuseAnIdleStepDownShorterThanTheTtl() throws Exception {
        SidecarProcess.Finished run = refuse(args("--idle-step-down", "1s"));
        assertThat(run.err()).contains("idle-step-down (1s) must be at least ttl (2s)");
        assertStoreUntouched();
    }

    private List<String> args(String... extra) {
        return sidecars.runArgs("pod-a", extra);
    }

    /**
     * Runs the sidecar, expects exit 2 and exactly one line on stderr that is not a log line: the
     * error, starting with "schedlock: ". Log lines of the start-up steps that ran before the problem
     * was found (status server, migration) may precede it, never a warning or a stack trace.
     */
    private SidecarProcess.Finished refuse(List<String> args) throws Exception {
        return refuse(args, Map.of());
    }

    private SidecarProcess.Finished refuse(List<String> args, Map<String, String> env) throws Exception {
        SidecarProcess.Finished run = SidecarProcess.run("refused", dir, args, env);
        System.out.println("refused start: " + run.err());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
        List<String> errors = run.stderr().stream().filter(l -> !LOG_LINE.matcher(l).matches()).toList();
        assertThat(errors).as("the error line(s) in " + run).singleElement().asString().startsWith("schedlock: ");
        assertThat(run.stderr()).as("warnings in " + run).noneMatch(l -> l.contains(" WARN ") || l.contains(" ERROR "));
        return run;
    }

    /** Nothing ran: no log line, and the store file was not even created. */
    private void assertStoreUntouched() {
        assertThat(sidecars.store().path()).doesNotExist();
    }

    private static List<String> replace(List<String> args, String option, String value) {
        List<String> result = new ArrayList<>(args);
        int at = result.indexOf(option);
        assertThat(at).as(option + " in " + args).isNotNegative();
        result.set(at + 1, value);
        return result;
    }
}
