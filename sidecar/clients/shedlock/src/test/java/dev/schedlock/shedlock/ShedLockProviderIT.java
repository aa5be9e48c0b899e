package dev.schedlock.shedlock;

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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spring Boot application with {@code @Scheduled} + {@code @SchedulerLock} runs as two processes,
 * each beside its own real sidecar (claims mode) on one SQLite file. Through a SIGKILL of the
 * leading sidecar and a SIGTERM handoff, every job runs on one instance at a time, at most once per
 * tick, and the tokens the jobs see rise with each new leader.
 */
class ShedLockProviderIT {

    private static final Duration PATIENCE = Duration.ofSeconds(40);
    private static final String STARTED = ScheduledApp.STARTED;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    /** One line of the runs file. */
    record Run(String job, long tick, long token, String storeId, long startNanos, long endNanos, String instance) {
        static Run parse(String[] f) {
            return new Run(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], Long.parseLong(f[4]),
                    Long.parseLong(f[5]), f[6]);
        }
    }

    @Test
    void shouldRunEachJobOncePerTickOnOneInstanceWithRisingTokensAcrossALeaderKillAndAHandoff() throws Exception {
        Path runs = dir.resolve("runs.csv");
        int portA = LocalSidecars.freePort();
        int portB = LocalSidecars.freePort();
        try (LocalSidecars sidecars = new LocalSidecars(dir)) {
            SidecarProcess sidecarA = sidecars.start("pod-a", portA, "--permit-mode", "claims");
            await().atMost(PATIENCE).ignoreExceptions().until(() -> LocalSidecars.client(sidecarA).lease().leader());
            SidecarProcess sidecarB = sidecars.start("pod-b", portB, "--permit-mode", "claims");
            try (ExampleProcess appA = app("a", portA, runs); ExampleProcess appB = app("b", portB, runs)) {
                appA.awaitLine(STARTED);
                appB.awaitLine(STARTED);
                awaitRuns(runs, "a", 0, 2, appA, appB);

                long killed = System.nanoTime();
                sidecarA.kill9();
                awaitRuns(runs, "b", killed, 2, appA, appB);

                SidecarProcess sidecarA2 = sidecars.start("pod-a", portA, "--permit-mode", "claims");
                long terminated = System.nanoTime();
                sidecarB.sigterm();
                awaitRuns(runs, "a", terminated, 2, appA, appB);
                assertThat(sidecarB.awaitExit(Duration.ofSeconds(20))).as("graceful exit").isZero();
                assertThat(sidecarA2.isAlive()).isTrue();
            }
        }

        List<Run> all = read(runs);
        for (String job : List.of("report", "cleanup")) {
            List<Run> ofJob = all.stream().filter(r -> r.job().equals(job))
                    .sorted(Comparator.comparingLong(Run::startNanos)).toList();
            Set<Long> ticks = new HashSet<>();
            for (int i = 0; i < ofJob.size(); i++) {
                Run run = ofJob.get(i);
                assertThat(ticks.add(run.tick())).as("%s ran twice in tick %d: %s", job, run.tick(), ofJob).isTrue();
                if (i > 0) {
                    Run before = ofJob.get(i - 1);
                    assertThat(before.endNanos()).as("%s overlaps %s", before, run).isLessThan(run.startNanos());
                    assertThat(run.token()).as("tokens never fall: %s after %s", run, before)
                            .isGreaterThanOrEqualTo(before.token());
                    if (run.token() == before.token()) {
                        assertThat(run.instance()).as("one token, one instance").isEqualTo(before.instance());
                    }
                }
            }
            assertThat(ofJob.stream().map(Run::instance).distinct().toList()).as(job + " ran on both, in turn")
                    .contains("a", "b");
            assertThat(ofJob.stream().map(Run::token).distinct().count()).as(job + ": three holdings")
                    .isGreaterThanOrEqualTo(3);
        }
        assertThat(all.stream().map(Run::storeId).distinct()).as("one store").hasSize(1)
                .allSatisfy(id -> assertThat(id).as("the store id the job saw").matches("[0-9a-f-]{36}"));
    }

    private ExampleProcess app(String name, int port, Path runs) throws IOException {
        return JavaApp.start("app-" + name, dir, ScheduledApp.class, "--sidecar.url=http://127.0.0.1:" + port,
                "--runs.file=" + runs, "--instance=" + name, "--logging.level.root=WARN");
    }

    /** Waits until {@code instance} has {@code count} runs of each job that started after {@code after}. */
    private static void awaitRuns(Path runs, String instance, long after, int count, ExampleProcess... apps) {
        await(instance + " runs each job " + count + " times").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
                .failFast(() -> !apps[0].isAlive() || !apps[1].isAlive())
                .until(() -> List.of("report", "cleanup").stream().allMatch(job -> read(runs).stream()
                        .filter(r -> r.job().equals(job) && r.instance().equals(instance) && r.startNanos() > after)
                        .count() >= count));
    }

    private static List<Run> read(Path runs) {
        return RunLog.read(runs, Run::parse);
    }
}
