package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The leader dies or freezes without a word; a standby must wait out the TTL, then lead with a higher token. */
class LeaderFailureIT extends WithSidecars {

    private static final Pattern SINCE_RENEWAL =
            Pattern.compile("(?m)^schedlock_lease_seconds_since_renewal\\{[^}]*} ([0-9.eE+-]+)$");

    @Test
    void shouldLetAStandbyLeadOnlyAfterTheTtlWhenTheLeaderIsKilled() throws Exception {
        List<SidecarProcess> all = sidecars.startAll("pod-a", "pod-b", "pod-c");
        SidecarProcess old;
        SidecarProcess next;
        long oldToken;
        StoreFile.Row lastHolding;
        long killedNanos;
        long killedWallMillis;
        PermitChecker.Answer firstNewPermit;
        try (PermitChecker checker = PermitChecker.watching(all)) {
            old = sidecars.awaitLeader(all);
            oldToken = old.lease().path("fencingToken").asLong();

            killedWallMillis = System.currentTimeMillis();
            killedNanos = System.nanoTime();
            old.kill9();
            lastHolding = sidecars.store().row(); // the dead leader's last heartbeat, not yet taken over
            assertThat(lastHolding.holderPod()).as("holder right after the kill").isEqualTo(old.name());

            next = sidecars.awaitLeader(Sidecars.others(all, old));
            String nextName = next.name();
            firstNewPermit = await("the checker sees " + nextName + "'s permit").atMost(Sidecars.PATIENCE)
                    .until(() -> checker.firstPermit(nextName::equals, killedNanos), Optional::isPresent)
                    .orElseThrow();
            checker.close();
            assertThat(checker.violations()).as(checker.summary()).isEmpty();
            assertThat(checker.firstPermit(old.name()::equals, 0)).as("permits of the old leader seen").isPresent();
        }

        long failoverMillis = TimeUnit.NANOSECONDS.toMillis(firstNewPermit.receivedNanos() - killedNanos);
        long expiresAfterKillMillis = lastHolding.heartbeatAtMs() + lastHolding.ttlMs() - killedWallMillis;
        System.out.printf("kill -9 failover: %s led %d ms after the kill (TTL %d ms; last heartbeat %d ms before"
                        + " the kill, so the row expired %d ms after it)%n", next.name(), failoverMillis,
                Sidecars.TTL.toMillis(), killedWallMillis - lastHolding.heartbeatAtMs(), expiresAfterKillMillis);

        StoreFile.Row now = sidecars.store().row();
        assertThat(now.holderPod()).isEqualTo(next.name());
        assertThat(now.fencingToken()).as("token of the new holding").isGreaterThan(oldToken);
        assertThat(firstNewPermit.fencingToken()).isEqualTo(now.fencingToken());
        assertThat(now.acquiredAtMs()).as("taken over (store clock) only after heartbeat + ttl of the dead holding")
                .isGreaterThan(lastHolding.heartbeatAtMs() + lastHolding.ttlMs());
        // Same host, same clock: the first permit of the new leader cannot come before the old row expired.
        assertThat(failoverMillis).as("failover after the kill").isGreaterThanOrEqualTo(expiresAfterKillMillis - 1)
                .isLessThan(Sidecars.TTL.toMillis() + 3000);
        assertThat(sidecars.store().history()).last().satisfies(t -> {
            assertThat(t.kind()).isEqualTo("taken_over");
            assertThat(t.holderPod()).isEqualTo(next.name());
        });
    }

    @Test
    void shouldRevokeAPausedLeaderWithoutOverlapWhenItIsStoppedLongerThanTheTtl() throws Exception {
        List<SidecarProcess> all = sidecars.startAll("pod-a", "pod-b", "pod-c");
        try (PermitChecker checker = PermitChecker.watching(all)) {
            SidecarProcess old = sidecars.awaitLeader(all);
            long oldToken = old.lease().path("fencingToken").asLong();

            awaitJustRenewed(old);
            long stoppedNanos = System.nanoTime();
            old.sigstop();
            StoreFile.Row lastHolding = sidecars.store().row();
            assertThat(lastHolding.holderPod()).as("holder right after the pause").isEqualTo(old.name());
            SidecarProcess next = sidecars.awaitLeader(Sidecars.others(all, old));
            long nextLeadsNanos = System.nanoTime();
            String nextId = next.lease().path("holder").path("id").asText();
            assertThat(sidecars.store().row().acquiredAtMs()).as("taken over (store clock) only after heartbeat + ttl")
                    .isGreaterThan(lastHolding.heartbeatAtMs() + lastHolding.ttlMs());

            old.sigcont();
            long continuedNanos = System.nanoTime();
            SidecarProcess.Reply first = old.get("/v1/lease");
            JsonNode firstLease = first.json();
            assertThat(firstLease.path("leader").asBoolean()).as("first answer after SIGCONT: " + firstLease).isFalse();
            assertThat(firstLease.path("validForMillis").asLong()).as("permit after SIGCONT").isZero();
            await("the resumed sidecar stands by under " + next.name()).atMost(Sidecars.PATIENCE)
                    .until(() -> Sidecars.tryLease(old)
                            .filter(l -> l.path("state").asText().equals("STANDBY"))
                            .filter(l -> l.path("holder").path("id").asText().equals(nextId))
                            .isPresent());
            long standbyNanos = System.nanoTime();
            System.out.printf("SIGSTOP: %s paused %d ms; %s led %d ms after the pause; the resumed one answered"
                            + " leader=false %d ms after SIGCONT and stood by after %d ms%n", old.name(),
                    TimeUnit.NANOSECONDS.toMillis(continuedNanos - stoppedNanos), next.name(),
                    TimeUnit.NANOSECONDS.toMillis(nextLeadsNanos - stoppedNanos),
                    TimeUnit.NANOSECONDS.toMillis(first.receivedNanos() - continuedNanos),
                    TimeUnit.NANOSECONDS.toMillis(standbyNanos - continuedNanos));

            checker.close();
            assertThat(checker.violations()).as(checker.summary()).isEmpty();
            assertThat(checker.firstPermit(old.name()::equals, 0)).as("permits of the paused leader seen").isPresent();
            assertThat(checker.firstPermit(next.name()::equals, stoppedNanos)).as("permits of the new leader seen")
                    .hasValueSatisfying(p -> assertThat(p.fencingToken()).isGreaterThan(oldToken));
        }
    }

    /**
     * Waits until {@code leader} has just renewed, so that SIGSTOP does not freeze it inside a store
     * statement: a process stopped while it holds SQLite's write lock blocks every other process
     * until it resumes (SQLite's locking, not what this test is about).
     */
    private static void awaitJustRenewed(SidecarProcess leader) {
        await("a fresh renewal of " + leader).atMost(Sidecars.PATIENCE).pollInterval(Duration.ofMillis(10))
                .until(() -> secondsSinceRenewal(leader) < 0.2);
    }

    private static double secondsSinceRenewal(SidecarProcess p) throws Exception {
        Matcher m = SINCE_RENEWAL.matcher(p.statusGet("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.MAX_VALUE;
    }
}
