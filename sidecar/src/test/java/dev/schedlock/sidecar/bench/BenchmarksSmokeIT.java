package dev.schedlock.sidecar.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
