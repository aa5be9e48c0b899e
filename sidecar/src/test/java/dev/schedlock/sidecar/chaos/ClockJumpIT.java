package dev.schedlock.sidecar.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.schedlock.sidecar.process.PermitChecker;
import dev.schedlock.sidecar.process.PermitChecker.Answer;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wall-clock jump on a candidate, with libfaketime (Debian package {@code faketime}): one
 * candidate's JVM runs an hour ahead. On SQLite the store's clock is the clock of the process that
 * runs the statement ({@code unixepoch('subsec')}), so to that candidate the leader's row looks
 * expired at once. Under {@code observed} it must also see the row unchanged for a full TTL on its
 * own monotonic clock, which a live leader never allows: no takeover, no overlap. Under
 * {@code store-clock} it takes over a live leader (the documented weakness of that policy,
 * docs/lease-protocol.md 4.6), which shows that the jump does reach the store.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClockJumpIT {

    static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
    /** Only the wall clock jumps, as an NTP step or a wrong RTC would move it; the monotonic clock does not. */
    private static final Map<String, String> HOUR_AHEAD = Map.of("LD_PRELOAD", LIBFAKETIME.toString(),
            "FAKETIME", "+1h", "FAKETIME_DONT_FAKE_MONOTONIC", "1");
    /** Several TTLs of the leader renewing while the jumped candidate watches. */
    private static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final Duration WATCH = ChaosRun.DEFAULT_TTL.multipliedBy(4);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final List<SidecarProcess> started = new ArrayList<>();
    private PermitChecker checker;

    @BeforeAll
    static void libfaketimeIsThere() {
        assertThat(LIBFAKETIME).as("libfaketime: run `apt-get install -y faketime` (.ci/install-tools does)")
                .isReadable();
    }

    @AfterEach
    void stop() {
        if (checker != null) {
            checker.close();
        }
        started.forEach(SidecarProcess::close);
    }

    @Test
    void shouldNotTakeOverALiveLeaderFromACandidateWhoseWallClockJumpedUnderObserved() throws Exception {
        SidecarProcess steady = start("steady", "observed", Map.of());
        awaitPermitFrom(steady);
        SidecarProcess jumped = start("jumped", "observed", HOUR_AHEAD);
        assertThat(jumpedClock(jumped)).as("the candidate's wall clock is an hour ahead").isTrue();

        Thread.sleep(WATCH.toMillis()); // the leader renews; the jumped candidate tries every 200 ms
        // Then the leader pauses for longer than the TTL: now the candidate may take over, after watching.
        steady.sigstop();
        long paused = System.nanoTime();
        await("the jumped candidate leads").atMost(Duration.ofSeconds(30))
                .until(() -> checker.permits().stream().anyMatch(p -> p.sidecar().equals("jumped")));
        steady.sigcont();
        Thread.sleep(ChaosRun.DEFAULT_TTL.toMillis());
        checker.close();

        assertThat(checker.violations()).as(checker.summary()).isEmpty();
        List<Answer> permits = checker.permits();
        assertThat(permits).filteredOn(p -> p.sidecar().equals("jumped"))
                .as("the jumped candidate got no permit while the leader was running")
                .allMatch(p -> p.sentNanos() - paused > 0);
        assertThat(permits).filteredOn(p -> p.sidecar().equals("jumped"))
                .as("and took over only after watching the row for a TTL (from the leader's last renewal,"
                        + " up to a heartbeat before the pause)")
                .allMatch(p -> p.sentNanos() - paused >= ChaosRun.DEFAULT_TTL.minus(HEARTBEAT).toNanos());
    }

    @Test
    void shouldShowThatTheJumpReachesTheStoreUnderStoreClock() throws Exception {
        SidecarProcess steady = start("steady", "store-clock", Map.of());
        Answer first = awaitPermitFrom(steady);
        SidecarProcess jumped = start("jumped", "store-clock", HOUR_AHEAD);

        await("the jumped candidate takes over the live leader").atMost(Duration.ofSeconds(30))
                .until(() -> checker.permits().stream().anyMatch(p -> p.sidecar().equals("jumped")));
        checker.close();

        assertThat(steady.isAlive()).isTrue();
        assertThat(checker.permits()).filteredOn(p -> p.sidecar().equals("jumped"))
                .allMatch(p -> p.fencingToken() > first.fencingToken());
        System.out.println("store-clock with a candidate an hour ahead (expected to overlap; this policy trusts"
                + " the store's clock): " + checker.violations());
    }

    private SidecarProcess start(String name, String policy, Map<String, String> env)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("run", "--store", "jdbc:sqlite:" + dir.resolve("lease.db"),
                "--pod-name", name, "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0",
                "--takeover-policy", policy));
        args.addAll(ChaosRun.timing(ChaosRun.DEFAULT_TTL));
        SidecarProcess p = SidecarProcess.start(name, dir, args, env);
        started.add(p);
        p.awaitListening();
        if (checker == null) {
            checker = PermitChecker.watching(List.of(p));
        } else {
            checker.watch(p);
        }
        return p;
    }

    private Answer awaitPermitFrom(SidecarProcess p) {
        return await(p + " leads").atMost(Duration.ofSeconds(30)).until(() -> checker.permits().stream()
                .filter(a -> a.sidecar().equals(p.name())).findFirst(), Optional::isPresent).orElseThrow();
    }

    /** Whether the process logged a time an hour ahead of ours: its log lines start with an ISO time. */
    private static boolean jumpedClock(SidecarProcess p) {
        return p.stderrLines().stream().findFirst().map(line -> line.substring(0, Math.min(19, line.length())))
                .map(stamp -> {
                    try {
                        LocalDateTime then = LocalDateTime.parse(stamp);
                        return Duration.between(LocalDateTime.now(ZoneOffset.UTC), then).toMinutes() >= 50;
                    } catch (DateTimeParseException e) {
                        return false;
                    }
                }).orElse(false);
    }
}
