package dev.schedlock.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.schedlock.operator.reconciler.ClusterCapabilities.NativeSidecars;
import dev.schedlock.rules.HostPort;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The operator's flags: typed, and a bad value is one line naming the flag, exit 2. */
class OperatorMainTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--health-address=8080                  | '--health-address': '8080' is not host:port",
        "--health-address=0.0.0.0:http          | '--health-address': '0.0.0.0:http' has no numeric port",
        "--health-address=0.0.0.0:70000         | '--health-address': port 70000",
        "--health-address=::1:8080              | put an IPv6 address in brackets, e.g. [::1]:8080",
        "--native-sidecars=sometimes            | '--native-sidecars': expected one of [AUTO, ALWAYS, NEVER]",
        "--log-format=xml                       | '--log-format': expected one of [PLAIN, JSON]",
        "--leader-poll-interval=0s              | '--leader-poll-interval': must be positive, e.g. 5s",
        "--leader-poll-interval=5               | '--leader-poll-interval': '5' is not a duration",
        "--leader-election-lease-name=Op_Lease  | '--leader-election-lease-name': 'Op_Lease' is not a Lease name",
        "--service-monitor-labels=release       | '--service-monitor-labels' (KEY=VALUE) should be in KEY=VALUE",
        "--no-such-flag                         | Unknown option: '--no-such-flag'",
    })
    void shouldRefuseABadFlagInOneLineWithExitCode2(String arg, String expected) {
        StringWriter err = new StringWriter();
        CommandLine cli = OperatorMain.commandLine();
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute(arg);

        assertThat(exit).isEqualTo(OperatorMain.EXIT_USAGE);
        assertThat(err.toString().lines().toList()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("schedlock-operator: ").contains(expected).endsWith("(see --help)"));
    }

    @Test
    void shouldParseIpv6InBracketsEnumsInAnyCaseAndGoDurations() {
        CommandLine cli = OperatorMain.commandLine();
        cli.parseArgs(
                "--health-address=[::1]:9090", "--native-sidecars=Always", "--log-format=JSON",
                "--leader-poll-interval=1m30s", "--leader-election-lease-name=schedlock-operator.team-a",
                "--service-monitor-labels=release=kube-prometheus-stack,team=platform");
        OperatorMain main = cli.getCommand();

        assertThat(main.healthAddress).isEqualTo(new HostPort("::1", 9090));
        assertThat(main.nativeSidecars).isEqualTo(NativeSidecars.ALWAYS);
        assertThat(main.logFormat).isEqualTo(OperatorMain.LogFormat.JSON);
        assertThat(main.leaderPollInterval).isEqualTo(Duration.ofSeconds(90));
        assertThat(main.leaseName).isEqualTo("schedlock-operator.team-a");
        assertThat(main.serviceMonitorLabels).containsExactly(entry("release", "kube-prometheus-stack"),
                entry("team", "platform"));
    }

    @Test
    void shouldDefaultToAnAddressOnEveryInterfaceAndTheSharedLeaseName() {
        CommandLine cli = OperatorMain.commandLine();
        cli.parseArgs();
        OperatorMain main = cli.getCommand();

        assertThat(main.healthAddress).isEqualTo(new HostPort("0.0.0.0", 8080));
        assertThat(main.leaseName).isEqualTo("schedlock-operator");
    }

    @Test
    void shouldDescribeTheDurationGrammarInItsHelp() {
        StringWriter out = new StringWriter();
        CommandLine cli = OperatorMain.commandLine();
        cli.setOut(new PrintWriter(out, true));

        assertThat(cli.execute("--help")).isZero();
        assertThat(out.toString()).contains("DURATION: one or more <number><unit> parts", "1m30s", "7d");
    }
}
