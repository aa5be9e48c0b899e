package dev.schedlock.sidecar.chaos;

import dev.schedlock.rules.Durations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The long chaos run (the {@code chaos} profile), e.g.
 * {@code ./mvnw -B -ntp -pl sidecar -Pchaos verify -Dchaos.args="sqlite store-clock 1000 60"}:
 * store, takeover policy, target transitions, longest run in minutes, and optionally a seed, the
 * number of sidecars and the faults to leave out (comma-separated, e.g. {@code DB_RESTART}, or
 * {@code -} for none); an argument {@code ttl=1s} anywhere sets the sidecars' TTL (default 2 s),
 * from which their heartbeat, retry and permit TTL are scaled, and {@code permits=claims} runs the
 * sidecars in claims mode, each client claiming and renewing (with the handle of its grant) with
 * {@code POST /v1/claims}, and {@code files=on} (SQLite) replaces and deletes the store file under
 * the sidecars, every other fault.
 * Prints a Markdown summary for docs/benchmarks.md; exits with 1 if the contract did not hold.
 */
public final class Chaos {

    private Chaos() {
    }

    public static void main(String[] arguments) throws Exception {
        Duration ttl = ChaosRun.DEFAULT_TTL;
        boolean claims = false;
        boolean fileFaults = false;
        List<String> positional = new ArrayList<>();
        for (String a : arguments) {
            if (a.equals("files=on")) {
                fileFaults = true;
            } else if (a.startsWith("ttl=")) {
                ttl = Durations.parse(a.substring(4));
            } else if (a.startsWith("permits=")) {
                if (!a.equals("permits=claims") && !a.equals("permits=pod")) {
                    System.err.println("permits= must be pod or claims, not " + a.substring("permits=".length()));
                    System.exit(2);
                }
                claims = a.equals("permits=claims");
            } else {
                positional.add(a);
            }
        }
        String[] args = positional.toArray(String[]::new);
        if (args.length < 2) {
            System.err.println("usage: Chaos <sqlite|postgresql> <store-clock|observed> [transitions=1000]"
                    + " [minutes=60] [seed] [sidecars=3] [faults left out, e.g. DB_RESTART, or -] [ttl=2s] [permits=claims]"
                    + " [files=on]");
            System.exit(2);
        }
        int transitions = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        long minutes = args.length > 3 ? Long.parseLong(args[3]) : 60;
        long seed = args.length > 4 ? Long.parseLong(args[4]) : System.nanoTime();
        int sidecars = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        // e.g. DB_RESTART: the server is shared with other test runs, which a restart every few seconds disturbs
        Set<ChaosRun.Fault> without = args.length > 6 && !args[6].equals("-") ? Arrays.stream(args[6].split(","))
                .map(ChaosRun.Fault::valueOf).collect(Collectors.toSet()) : Set.of();
        Path dir = Files.createTempDirectory("schedlock-chaos-");
        ChaosReport report = ChaosRun.run(new ChaosRun.Settings(args[0], args[1], Duration.ofMinutes(minutes),
                transitions, seed, sidecars, without, ttl, claims, fileFaults), dir, System.out);
        System.out.println();
        System.out.println(report.markdown());
        System.out.println(report.checkerSummary());
        report.violations().stream().limit(20).forEach(v -> System.out.println("VIOLATION " + v));
        System.exit(report.safe() ? 0 : 1);
    }
}
