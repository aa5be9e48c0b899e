package dev.schedlock.sidecar.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Short runs of every benchmark, so that they keep working between the long runs recorded in
 * docs/benchmarks.md. Nothing here asserts speed (that is what the long runs are for); each run
 * must finish and report what the benchmark is about.
 */
class BenchmarksSmokeIT {

    @Test
    void historyBenchmarkUsesTheIndexesForEveryRealQuery() throws Exception {
        String out = capture(() -> HistoryQueryBench.main(new String[] {"20000"}));

        assertThat(out).contains("| last 20 transitions of one lock");
        assertThat(out.lines().filter(l -> l.contains("→ SEARCH scheduler_lock_history USING INDEX")).count())
                .as("every history query and the prune use an index:%n%s", out).isEqualTo(4);
    }

    @Test
    void handoffBenchmarkCompletesHandoffsOnPostgres() throws Exception {
        String out = capture(() -> HandoffBench.main(new String[] {"postgresql", "3", "3"}));

        assertThat(out).contains("release committed → next leader").contains("(n=3)");
    }

    @Test
    void throughputBenchmarkRenewsWithoutErrors() throws Exception {
        String out = capture(() -> ThroughputBench.main(new String[] {"postgresql", "20", "3", "1", "2"}));

        assertThat(out).contains("errors: 0").containsPattern("renewals: [1-9][0-9]*/s");
    }

    @Test
    void footprintBenchmarkMeasuresARealSidecar() throws Exception {
        String out = capture(() -> FootprintBench.main(new String[] {"1", ProcessHandle.current().info().command()
                .orElse("java"), "1"}));

        assertThat(out).containsPattern("\\| `\\(defaults\\)` \\| [0-9.]+ s");
    }

    @Test
    void failoverBenchmarkSeesAnotherSidecarLeadWithAHigherTokenAfterAKill() throws Exception {
        String out = capture(() -> FailoverBench.main(new String[] {"sqlite", "1", "2s", "2"}));

        assertHandedOver(out, "failover 1: pod-(\\d+) \\(token (\\d+)\\) killed .* → pod-(\\d+) permit with token (\\d+)");
        assertThat(out).contains("kill -9 → first permit at another sidecar").contains("(n=1)");
    }

    @Test
    void handoffClaimsBenchmarkSeesAClaimGrantedElsewhereAfterSigterm() throws Exception {
        String out = capture(() -> HandoffClaimsBench.main(new String[] {"sqlite", "1", "2", "200ms"}));

        assertHandedOver(out, "handoff 1: pod-(\\d+) \\(token (\\d+)\\) SIGTERM, claim returned after [0-9.]+ ms,"
                + " exit 0 → pod-(\\d+) claim granted with token (\\d+)");
        // Every segment of the breakdown was seen: the two sidecars logged their monotonic instants.
        assertThat(out).contains("committed → standby woken").contains("acquire sent → answered")
                .doesNotContain("not seen");
    }

    @Test
    void watchCostBenchmarkMeasuresTheWatchersThread() throws Exception {
        String out = capture(() -> WatchCostBench.main(new String[] {"1", "50"}));

        assertThat(out).containsPattern("\\| 50 ms \\| \\d+ \\| [0-9.]+ ms");
    }

    @Test
    void slowClientsBenchmarkProbesBothServersWithAndWithoutSlowConnections() throws Exception {
        List<SlowClientsBench.Run> runs = SlowClientsBench.run(List.of(0, 4), 4, Duration.ofMillis(50));

        assertThat(runs).extracting(SlowClientsBench.Run::slow).containsExactly(0, 0, 4, 4);
        assertThat(runs).allSatisfy(r -> assertThat(r.probes()).as(r.server()).hasSize(4)
                .allSatisfy(p -> assertThat(p.status()).as(p.toString()).isEqualTo(200)));
    }

    @Test
    void churnBenchmarkCountsRequestsGrantsAndWatchersEvents() throws Exception {
        ChurnBench.Counts counts = ChurnBench.run(BenchStores.migrated("sqlite"), 2, 2, 3, true);

        assertThat(counts.requests().get()).as("requests sent").isGreaterThan(counts.granted().get());
        assertThat(counts.granted().get()).as("claims granted and returned").isPositive();
        assertThat(counts.failures()).as("requests without an answer, even after one resend").isEmpty();
    }

    @Test
    void notifyBenchmarkDeliversEveryChangeToEveryClient() throws Exception {
        String out = capture(() -> NotifyBench.main(new String[] {"sqlite", "6", "2", "2"}));

        assertThat(out).contains("received in-process: long-poll 12 of 12, event stream 12 of 12")
                .contains("received sidecar process: long-poll 12 of 12, event stream 12 of 12");
    }

    @Test
    void capacityBenchmarkElectsEveryLockRenewsAndLosesNone() throws Exception {
        // 50 locks, 3 electors each, on 4 connections; heartbeat 1 s (TTL 6 s, retry 200 ms), window 7 s:
        // a standby sleeps until the holding it saw can expire, so it reads at least once per TTL.
        CapacityBench.Result r = CapacityBench.run("postgresql", 50, 7, 4, Duration.ofSeconds(1));
        System.out.println(CapacityBench.Result.HEADER + "\n" + r.row() + "\n" + r.details());

        assertThat(r.electors()).isEqualTo(150);
        assertThat(r.allElected()).as("every lock led before the window").isTrue();
        assertThat(r.leadersAtStart()).as("locks led when the window began").isEqualTo(50);
        assertThat(r.leadersAtEnd()).as("locks led when it ended").isEqualTo(50);
        assertThat(r.leadersLost()).as("leaders that stopped leading in the window").isZero();
        assertThat(r.renewed()).as("renewals in the window").isPositive();
        assertThat(r.renewLatency().count()).as("renewals timed").isEqualTo(r.renewed() + r.renewRefused());
        assertThat(r.renewRefused()).as("renewals refused").isZero();
        assertThat(r.heldByOther()).as("standby attempts that found the lock held").isPositive();
        assertThat(r.acquired()).as("acquisitions in the window: nobody lost a lock").isZero();
        assertThat(r.errors() + r.stepFailures()).as("errors: %s", r.firstError()).isZero();
        assertThat(r.server().commits()).as("commits seen by pg_stat_database").isPositive();
        assertThat(r.row()).startsWith("| 50 | ");
    }

    /** Groups of {@code line}: old pod, old token, new pod, new token; another pod must lead with a higher token. */
    private static void assertHandedOver(String out, String line) {
        Matcher m = Pattern.compile(line).matcher(out);
        assertThat(m.find()).as("%s in:%n%s", line, out).isTrue();
        assertThat(m.group(3)).as("the new leader's pod").isNotEqualTo(m.group(1));
        assertThat(Long.parseLong(m.group(4))).as("its token").isGreaterThan(Long.parseLong(m.group(2)));
    }

    @Test
    void fabric8AnchorFailsOverAfterAKillAndHandsOverOnSigterm() throws Exception {
        // Short timings so that a crash fails over within seconds; two candidate JVMs.
        String out = capture(() -> K8sElectionBench.main(new String[] {"1", "2000:1500:500", "2"}));

        assertThat(out)
                .containsPattern("\\| kill -9 of the leader → next onStartLeading \\| p50 [0-9.]+ ms.*\\(n=1\\)")
                .containsPattern("\\| SIGTERM to the leader → next onStartLeading \\| p50 [0-9.]+ ms.*\\(n=1\\)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void shedLockAnchorRefusesAHeldLockAndCountsBothLibraries(String store) throws Exception {
        String out = capture(() -> ShedLockBench.main(new String[] {store, "1", "2"}));

        assertThat(out).contains("a held lock was refused to a second caller")
                .containsPattern("[1-9][0-9,]* lock/s \\+ [1-9][0-9,]* unlock/s")
                .containsPattern("[1-9][0-9,]* extend/s \\+ [1-9][0-9,]* refused lock/s")
                .containsPattern("[1-9][0-9,]* renew/s \\+ [1-9][0-9,]* refused acquire/s")
                .doesNotContainPattern("errors [1-9]");
    }

    private interface Body {
        void run() throws Exception;
    }

    private static String capture(Body body) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(original);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        original.print(out);
        return out;
    }
}
