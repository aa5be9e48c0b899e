package dev.schedlock.sidecar.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.process.PermitChecker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The short chaos run of CI: three real sidecars, random faults for about 25 s per case, and the
 * build fails on any overlapping permit time or token regression. The long run is the
 * {@code chaos} profile ({@link Chaos}). The seed is printed; {@code -Dchaos.seed=N} replays one
 * (as far as timing allows), {@code -Dchaos.seconds=N} sets the length of each case.
 */
class ChaosIT {

    private static final Duration DURATION = Duration.ofSeconds(Long.getLong("chaos.seconds", 25));

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @ParameterizedTest(name = "{0}, {1}, {2} permits")
    @CsvSource({"sqlite, store-clock, pod", "sqlite, observed, pod", "postgresql, store-clock, pod",
            "postgresql, observed, pod", "sqlite, observed, claims", "postgresql, store-clock, claims"})
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldNeverOverlapPermitsNorLowerTokensUnderRandomFaults(String store, String policy, String permits)
            throws Exception {
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        ChaosRun.Settings settings = new ChaosRun.Settings(store, policy, DURATION, Integer.MAX_VALUE, seed, 3,
                Set.of());
        ChaosReport report = ChaosRun.run(permits.equals("claims") ? settings.withClaims() : settings,
                dir, System.out);
        System.out.println(report.markdown());

        assertThat(report.overlap()).as("overlapping permit time, seed %d: %s", seed, report.violations())
                .isZero();
        assertThat(report.violations()).as("checker findings, seed %d", seed).isEmpty();
        assertThat(report.transitions()).as("leader transitions, seed %d", seed).isGreaterThanOrEqualTo(3);
        // The checks above hold vacuously without permits: the clients must have seen permits of
        // at least two processes.
        assertThat(report.permits().stream().map(PermitChecker.Answer::sidecar).distinct().count())
                .as("processes whose permits the clients saw, seed %d", seed).isGreaterThanOrEqualTo(2);
    }

    /**
     * The SQLite file replaced under the running sidecars (a copy renamed over it) and deleted (a
     * sidecar then restarts and creates a new store), every other fault, between process faults.
     * Tokens are compared within each store id; permits must never overlap, across stores either.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldNeverOverlapPermitsWhenTheSqliteFileIsReplacedOrDeletedUnderTheLeader() throws Exception {
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        ChaosRun.Settings settings = new ChaosRun.Settings("sqlite", "store-clock", DURATION, Integer.MAX_VALUE,
                seed, 3, Set.of()).withFileFaults();
        ChaosReport report = ChaosRun.run(settings, dir, System.out);
        System.out.println(report.markdown());

        assertThat(report.faults()).as("faults injected, seed %d", seed).extracting(ChaosRun.Injected::fault)
                .contains(ChaosRun.Fault.FILE_REPLACE, ChaosRun.Fault.FILE_DELETE);
        assertThat(report.overlap()).as("overlapping permit time, seed %d: %s", seed, report.violations())
                .isZero();
        assertThat(report.violations()).as("checker findings, seed %d", seed).isEmpty();
        assertThat(report.incidents()).as("incidents, seed %d", seed).isEmpty();
        assertThat(report.permits().stream().map(PermitChecker.Answer::storeId).distinct().count())
                .as("store ids in the permits (a deleted file's store and the new one), seed %d", seed)
                .isGreaterThanOrEqualTo(2);
    }
}
