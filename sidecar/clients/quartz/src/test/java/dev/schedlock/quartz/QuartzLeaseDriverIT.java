package dev.schedlock.quartz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.client.process.JavaApp;
import dev.schedlock.client.process.LocalSidecars;
import dev.schedlock.client.process.RunLog;
import dev.schedlock.sidecar.examples.ExampleProcess;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes with a Quartz scheduler, each beside its own real sidecar on one SQLite file: jobs
 * run on the leading instance only, and after a SIGTERM handoff on the other one only, never both.
 */
class QuartzLeaseDriverIT {

    private static final Duration PATIENCE = Duration.ofSeconds(40);
    private static final String STARTED = QuartzApp.STARTED;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    record Run(String instance, long token, long startNanos, long endNanos) {
        static Run parse(String[] f) {
            return new Run(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
        }
    }

    @Test
    void shouldRunJobsOnTheLeadingInstanceOnlyAcrossAHandoff() throws Exception {
        Path runs = dir.resolve("runs.csv");
        long handoff;
        try (LocalSidecars sidecars = new LocalSidecars(dir)) {
            SidecarProcess sidecarA = sidecars.start("pod-a", 0);
            await().atMost(PATIENCE).ignoreExceptions().until(() -> LocalSidecars.client(sidecarA).lease().leader());
            SidecarProcess sidecarB = sidecars.start("pod-b", 0);
            try (ExampleProcess appA = app("a", sidecarA, runs); ExampleProcess appB = app("b", sidecarB, runs)) {
                appA.awaitLine(STARTED);
                appB.awaitLine(STARTED);
                awaitRuns(runs, "a", 0, 5, appA, appB);
                assertThat(read(runs)).as("the standby's scheduler ran nothing").allMatch(r -> r.instance().equals("a"));

                handoff = System.nanoTime();
                sidecarA.sigterm();
                awaitRuns(runs, "b", handoff, 5, appA, appB);
                assertThat(sidecarA.awaitExit(Duration.ofSeconds(20))).as("graceful exit").isZero();
            }
        }

        List<Run> all = read(runs).stream().sorted(Comparator.comparingLong(Run::startNanos)).toList();
        Run lastOfA = all.stream().filter(r -> r.instance().equals("a")).reduce((x, y) -> y).orElseThrow();
        Run firstOfB = all.stream().filter(r -> r.instance().equals("b")).findFirst().orElseThrow();
        assertThat(lastOfA.endNanos()).as("b started only after a's last run ended").isLessThan(firstOfB.startNanos());
        assertThat(all.indexOf(firstOfB)).as("a's runs, then b's: never interleaved").isEqualTo(all.indexOf(lastOfA) + 1);
        assertThat(firstOfB.token()).as("a new holding, a higher token").isGreaterThan(lastOfA.token());
        assertThat(all.stream().filter(r -> r.instance().equals("a")).map(Run::token).distinct()).hasSize(1);
        assertThat(all.stream().filter(r -> r.instance().equals("b")).map(Run::token).distinct()).hasSize(1);
    }

    private ExampleProcess app(String name, SidecarProcess sidecar, Path runs) throws IOException {
        return JavaApp.start("app-" + name, dir, QuartzApp.class, sidecar.controlUri("").toString(), runs.toString(),
                name);
    }

    private static void awaitRuns(Path runs, String instance, long after, int count, ExampleProcess... apps) {
        await(instance + " runs " + count + " jobs").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .failFast(() -> !apps[0].isAlive() || !apps[1].isAlive())
                .until(() -> read(runs).stream().filter(r -> r.instance().equals(instance) && r.startNanos() > after)
                        .count() >= count);
    }

    private static List<Run> read(Path runs) {
        return RunLog.read(runs, Run::parse);
    }
}
