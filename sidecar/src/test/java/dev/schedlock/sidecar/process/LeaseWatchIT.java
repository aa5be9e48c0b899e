package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Apps learn of a change when it happens (long-poll, server-sent events), not at their next poll. */
class LeaseWatchIT extends WithSidecars {

    @Test
    void shouldWakeLongPollsAndEventStreamsWhenTheLeaderHandsOver() throws Exception {
        SidecarProcess leader = sidecars.start("pod-a");
        sidecars.awaitLeader(List.of(leader));
        String leaderId = leader.lease().path("holder").path("id").asText();
        SidecarProcess standby = sidecars.start("pod-b");
        await("pod-b stands by under pod-a").atMost(Sidecars.PATIENCE)
                .until(() -> Sidecars.tryLease(standby)
                        .filter(l -> l.path("holder").path("id").asText().equals(leaderId)).isPresent());
        long version = standby.lease().path("version").asLong();
        SidecarProcess.Reply unchanged = standby.get("/v1/lease?wait=300ms&version=" + version);
        assertThat(unchanged.receivedNanos() - unchanged.sentNanos()).as("a long-poll without a change waits (ns)")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(unchanged.json().path("version").asLong()).isEqualTo(version);
        long token = leader.lease().path("fencingToken").asLong(); // also a permit: the handoff drains it

        try (LeaseEvents leaderEvents = LeaseEvents.open(leader); LeaseEvents standbyEvents = LeaseEvents.open(standby)) {
            await("the first event of each stream").atMost(Sidecars.PATIENCE)
                    .until(() -> !leaderEvents.events().isEmpty() && !standbyEvents.events().isEmpty());
            assertThat(leaderEvents.events().get(0).path("state").asText()).isEqualTo("LEADER");
            assertThat(standbyEvents.events().get(0).path("validForMillis").asLong())
                    .as("events are notifications, never permits").isZero();
            CompletableFuture<SidecarProcess.Reply> longPoll = SidecarProcess.sendAsync(HttpRequest.newBuilder(
                    standby.controlUri("/v1/lease?wait=10s&version=" + version)).timeout(Duration.ofSeconds(20)));

            long termNanos = System.nanoTime();
            leader.sigterm();

            SidecarProcess.Reply woken = longPoll.get(20, TimeUnit.SECONDS);
            JsonNode changed = woken.json();
            long wokenMillis = TimeUnit.NANOSECONDS.toMillis(woken.receivedNanos() - termNanos);
            System.out.printf("long-poll on the standby returned %d ms after SIGTERM to the leader: %s%n",
                    wokenMillis, changed);
            assertThat(woken.receivedNanos() - termNanos).as("returned after the change, not before").isPositive();
            assertThat(wokenMillis).as("returned on the change, long before wait=10s").isLessThan(8000);
            assertThat(changed.path("version").asLong()).isNotEqualTo(version);
            assertThat(changed.path("leader").asBoolean()).as(changed.toString()).isTrue();
            assertThat(changed.path("fencingToken").asLong()).isGreaterThan(token);
            assertThat(changed.path("validForMillis").asLong())
                    .as("a long-poll answer is a notification, never a permit: it was sent long ago").isZero();

            Optional<JsonNode> releasing = await("pod-a's stream tells of the step-down").atMost(Sidecars.PATIENCE)
                    .until(() -> leaderEvents.first(e -> e.path("state").asText().equals("RELEASING")),
                            Optional::isPresent);
            assertThat(releasing.orElseThrow().path("leader").asBoolean()).isFalse();
            await("pod-b's stream tells it leads").atMost(Sidecars.PATIENCE)
                    .until(() -> standbyEvents.first(e -> e.path("leader").asBoolean()
                            && e.path("fencingToken").asLong() > token), Optional::isPresent);
            assertThat(leader.awaitExit(Sidecars.PATIENCE)).isZero();
        }
    }

    @Test
    void shouldKeepAnsweringWhileManyWatchersWakeOnEveryChange() throws Exception {
        SidecarProcess sidecar = sidecars.start("pod-a", "--permit-mode", "claims");
        Sidecars.awaitLeading(sidecar);
        List<LeaseEvents> watchers = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < 20; i++) {
                watchers.add(LeaseEvents.open(sidecar));
            }
            await("every watcher has its first event").atMost(Sidecars.PATIENCE)
                    .until(() -> watchers.stream().noneMatch(w -> w.events().isEmpty()));

            // Four clients claim and return as fast as they can: every claim and every return is a
            // change that wakes all twenty watchers while other requests change the lease again.
            long churnEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            List<CompletableFuture<Integer>> churners = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String client = "worker-" + i;
                churners.add(CompletableFuture.supplyAsync(() -> churn(sidecar, client, churnEnd), clients));
            }
            int changes = 0;
            for (CompletableFuture<Integer> churner : churners) {
                changes += churner.get(30, TimeUnit.SECONDS);
            }

            SidecarProcess.Reply after = sidecar.get("/v1/lease");
            System.out.printf("%d claims granted and returned under 20 watchers; GET /v1/lease answered in %d ms%n",
                    changes, TimeUnit.NANOSECONDS.toMillis(after.receivedNanos() - after.sentNanos()));
            assertThat(after.json().path("leader").asBoolean()).as(after.body()).isTrue();
            assertThat(changes).as("claims granted and returned").isPositive();
            assertThat(watchers.get(0).events()).as("events seen by a watcher").hasSizeGreaterThan(1);
        } finally {
            clients.shutdownNow();
            watchers.forEach(LeaseEvents::close);
        }
    }

    /** Claims and returns until {@code endNanos}; returns how many claims it got, fails if the sidecar stops answering. */
    private static int churn(SidecarProcess sidecar, String client, long endNanos) {
        int granted = 0;
        Claimant claimant = new Claimant(sidecar, client);
        try {
            while (System.nanoTime() - endNanos < 0) {
                SidecarProcess.Reply claim = claimant.claim();
                if (claim.status() == 200) {
                    granted++;
                    SidecarProcess.Reply returned = claimant.returnClaim();
                    if (returned.wasResent() && returned.status() == 404) {
                        // the first DELETE returned the claim and its answer was lost (see SidecarProcess.send)
                        assertThat(returned.json().path("error").asText()).isEqualTo("NO_CLAIM");
                    } else {
                        assertThat(returned.status()).as(returned.body()).isEqualTo(204);
                    }
                }
            }
            return granted;
        } catch (IOException e) {
            throw new AssertionError(client + ": the sidecar stopped answering: " + e + "\n" + sidecar.describe(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
