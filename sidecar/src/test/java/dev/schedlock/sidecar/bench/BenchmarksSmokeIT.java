package dev.schedlock.sidecar.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

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
