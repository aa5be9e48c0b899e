package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SIGTERM is a planned handoff: drain the permits, release the row, exit 0; no TTL wait. */
class GracefulHandoffIT extends WithSidecars {

    @Test
    void shouldHandOverWellBeforeTheTtlAndExitZeroOnSigterm() throws Exception {
        List<SidecarProcess> all = sidecars.startAll("pod-a", "pod-b");
        SidecarProcess old;
        long oldToken;
        long handoffMillis;
        int exitCode;
        try (PermitChecker checker = PermitChecker.watching(all)) {
            old = sidecars.awaitLeader(all);
            oldToken = old.lease().path("fencingToken").asLong();
            SidecarProcess next = Sidecars.others(all, old).get(0);
            // The checker keeps asking the old leader, so it has permits to drain.
            await("permits of " + old + " seen").atMost(Sidecars.PATIENCE)
                    .until(() -> checker.firstPermit(old.name()::equals, 0).isPresent());

            long termNanos = System.nanoTime();
            old.sigterm();
            exitCode = old.awaitExit(Sidecars.PATIENCE);
            PermitChecker.Answer firstNewPermit = await("the checker sees " + next + "'s permit")
                    .atMost(Sidecars.PATIENCE)
                    .until(() -> checker.firstPermit(next.name()::equals, termNanos), Optional::isPresent)
                    .orElseThrow();
            handoffMillis = TimeUnit.NANOSECONDS.toMillis(firstNewPermit.receivedNanos() - termNanos);
            System.out.printf("SIGTERM handoff: %s led %d ms after %s got SIGTERM (TTL %d ms, permit-ttl %d ms)%n",
                    next, handoffMillis, old, Sidecars.TTL.toMillis(), Sidecars.PERMIT_TTL.toMillis());
            checker.close();
            assertThat(checker.violations()).as(checker.summary()).isEmpty();
            assertThat(firstNewPermit.fencingToken()).isEqualTo(oldToken + 1);
        }

        assertThat(exitCode).as("exit code after SIGTERM: " + old.describe()).isZero();
        assertThat(handoffMillis).as("handoff after SIGTERM").isLessThan(Sidecars.TTL.toMillis());
        assertThat(sidecars.store().history()).extracting(StoreFile.Transition::kind, StoreFile.Transition::fencingToken)
                .as("history").containsSubsequence(
                        tuple("acquired", oldToken),
                        tuple("released", oldToken),
                        tuple("acquired", oldToken + 1));
        assertThat(old.stderrLines()).anyMatch(l -> l.contains("released the lease"));
    }

    /**
     * SQLite has no NOTIFY: a standby learns of the release from its data-version watch, not at its
     * next retry. The retry here is 20 s (the standby's first attempt fails at its start, the next
     * comes 20-24 s later), so a handoff within 10 s can only come from the watch.
     */
    @Test
    void shouldHandOverOnSqliteLongBeforeTheStandbysNextRetry() throws Exception {
        List<String> slowRetry = List.of("--ttl", "60s", "--heartbeat-interval", "1s", "--retry-interval", "20s",
                "--permit-ttl", "1s");
        SidecarProcess old = sidecars.startWith("pod-a", slowRetry);
        Sidecars.awaitLeading(old);
        long oldToken = old.lease().path("fencingToken").asLong();
        SidecarProcess next = sidecars.startWith("pod-b", slowRetry);
        await(next + " has tried once and stands by").atMost(Sidecars.PATIENCE)
                .until(() -> Sidecars.tryLease(next).map(l -> l.path("state").asText()).orElse(""),
                        "STANDBY"::equals);

        long termNanos = System.nanoTime();
        old.sigterm();
        Sidecars.awaitLeading(next, Duration.ofSeconds(10));
        long handoffMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - termNanos);
        System.out.printf("SQLite SIGTERM handoff with a 20 s retry: %d ms%n", handoffMillis);

        assertThat(next.lease().path("fencingToken").asLong()).isEqualTo(oldToken + 1);
        assertThat(old.awaitExit(Sidecars.PATIENCE)).as("exit code after SIGTERM: " + old.describe()).isZero();
    }
}
