package dev.schedlock.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.rules.PrintableText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code run} with a bad duration or identity flag: exit 2 and one printable line that names the
 * flag (and the bound), before the store is opened. In-process: each refusal happens before
 * anything starts.
 */
class RunRefusalTest {

    @TempDir
    Path dir;

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(List.of("--ttl", "999999999999d"), List.of("'--ttl'", "too long", "3650d")),
                Arguments.of(List.of("--ttl", "100000d"), List.of("'--ttl'", "too long")),
                Arguments.of(List.of("--ttl", "2h"), List.of("ttl (7200s) must be at most 1h")),
                Arguments.of(List.of("--ttl", "-5s"), List.of("'--ttl'", "negative")),
                Arguments.of(List.of("--ttl", "PT60S"), List.of("'--ttl'", "not a duration", "1m30s")),
                Arguments.of(List.of("--heartbeat-interval", "3651d"), List.of("'--heartbeat-interval'", "3650d")),
                Arguments.of(List.of("--heartbeat-interval", "1h"), List.of("ttl (60s)", "heartbeat-interval (3600s)")),
                Arguments.of(List.of("--retry-interval", "2h"), List.of("retry-interval (7200s) must be below ttl")),
                Arguments.of(List.of("--permit-ttl", "2h"), List.of("permit-ttl (7200s) must be below ttl")),
                Arguments.of(List.of("--safety-margin", "2h"), List.of("safety-margin (7200s) must be below ttl")),
                Arguments.of(List.of("--statement-timeout", "1d"), List.of("statement-timeout (86400s)")),
                Arguments.of(List.of("--drain-timeout", "2h"), List.of("drain-timeout (7200s) must be at most 1h")),
                Arguments.of(List.of("--history-retention", "30m"),
                        List.of("history-retention (1800s) must be between 1h and 3650d")),
                Arguments.of(List.of("--history-retention", "-1d"), List.of("'--history-retention'", "negative")),
                Arguments.of(List.of("--history-retention", "100000d"), List.of("'--history-retention'", "too long")),
                Arguments.of(List.of("--idle-step-down", "30s"), List.of("idle-step-down (30s) must be at least ttl")),
                Arguments.of(List.of("--idle-step-down", "8d"), List.of("idle-step-down (691200s) must be at most 7d")),
                Arguments.of(List.of("--pod-name", "a/b"), List.of("pod-name 'a/b' is not valid")),
                Arguments.of(List.of("--pod-name", "pod\n2026-01-01T00:00:00Z INFO forged"),
                        List.of("pod-name 'pod\\n2026")),
                Arguments.of(List.of("--pod-name", "pod\u001b[2J"), List.of("pod-name 'pod\\x1b[2J'")),
                Arguments.of(List.of("--pod-name", "p".repeat(10_000)), List.of("pod-name", "(10000 characters)")),
                Arguments.of(List.of("--pod-uid", "uid/../x"), List.of("pod-uid 'uid/../x' is not valid")),
                Arguments.of(List.of("--pod-uid", "u".repeat(129)), List.of("pod-uid", "1-128")),
                Arguments.of(List.of("--ready-file", "/no-such-schedlock-directory/ready.json"),
                        List.of("ready-file /no-such-schedlock-directory/ready.json", "does not exist")),
                Arguments.of(List.of("--ready-file", "/"), List.of("ready-file / is a directory")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void shouldRefuseWithExit2NamingTheFlagBeforeTheStoreIsOpened(List<String> flags, List<String> message) {
        Path db = dir.resolve("lease.db");
        List<String> args = new ArrayList<>(List.of("run", "--store", "jdbc:sqlite:" + db,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
        args.addAll(flags);
        StringWriter err = new StringWriter();
        CommandLine cli = SidecarMain.commandLine();
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute(args.toArray(String[]::new));

        String said = err.toString().strip();
        assertThat(exit).as(said).isEqualTo(SidecarMain.EXIT_USAGE);
        assertThat(said).startsWith("schedlock: ").contains(message).doesNotContain("\n");
        assertThat(PrintableText.isPrintable(said)).as("printable: " + said).isTrue();
        assertThat(said.length()).as("length of the message").isLessThan(500);
        assertThat(db).as("the store file").doesNotExist();
    }

    @Test
    void shouldDescribeTheDurationGrammarInItsHelp() {
        StringWriter out = new StringWriter();
        CommandLine cli = SidecarMain.commandLine();
        cli.setOut(new PrintWriter(out, true));

        assertThat(cli.execute("run", "--help")).isZero();
        assertThat(out.toString()).contains("DURATION: one or more <number><unit> parts", "1m30s", "7d");
    }
}
