package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Permit mode {@code claims}: several processes in one pod, one executor permit, handed over by claims. */
class ClaimsIT extends WithSidecars {

    private static final List<String> CLIENTS = List.of("worker-1", "worker-2", "worker-3", "worker-4");

    private SidecarProcess sidecar;

    @BeforeEach
    void startLeaderInClaimsMode() throws Exception {
        sidecar = sidecars.start("pod-a", "--permit-mode", "claims");
        Sidecars.awaitLeading(sidecar);
    }

    @Test
    void shouldGrantTheClaimToExactlyOneOfFourClientsClaimingAtOnce() throws Exception {
        List<CompletableFuture<SidecarProcess.Reply>> pending = CLIENTS.stream().map(this::claimAsync).toList();
        List<SidecarProcess.Reply> replies = pending.stream().map(CompletableFuture::join).toList();

        List<SidecarProcess.Reply> granted = replies.stream().filter(r -> r.status() == 200).toList();
        assertThat(granted).as("granted claims of " + bodies(replies)).hasSize(1);
        JsonNode grant = granted.get(0).json();
        assertThat(grant.path("granted").asBoolean()).isTrue();
        assertThat(grant.path("validForMillis").asLong()).isPositive().isLessThanOrEqualTo(Sidecars.PERMIT_TTL.toMillis());
        String holder = CLIENTS.get(replies.indexOf(granted.get(0)));

        List<SidecarProcess.Reply> refused = replies.stream().filter(r -> r.status() != 200).toList();
        assertThat(refused).as("refused claims").hasSize(3).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(409);
            assertThat(r.json().path("granted").asBoolean()).isFalse();
            assertThat(r.json().path("reason").asText()).isEqualTo("HELD_BY_OTHER");
            assertThat(r.json().path("heldBy").asText()).isEqualTo(holder);
            assertThat(r.json().path("validForMillis").asLong()).isZero();
        });

        // A GET in claims mode reports the leadership but is no permit.
        JsonNode lease = sidecar.lease();
        assertThat(lease.path("leader").asBoolean()).as(lease.toString()).isTrue();
        assertThat(lease.path("state").asText()).isEqualTo("LEADER");
        assertThat(lease.path("validForMillis").asLong()).as(lease.toString()).isZero();
        assertThat(sidecar.get("/v1/lease/allowed").status()).as("allowed without a claim").isEqualTo(409);
        assertThat(sidecar.get("/v1/lease/allowed?client=" + holder).status()).as("allowed for the holder")
                .isEqualTo(200);
    }

    @Test
    void shouldHandTheClaimToAnotherClientOnceTheHolderReturnsIt() throws Exception {
        assertThat(claim("worker-1").status()).isEqualTo(200);
        assertThat(claim("worker-1").status()).as("the holder re-claims to keep it").isEqualTo(200);
        assertThat(claim("worker-2").json().path("heldBy").asText()).isEqualTo("worker-1");

        assertThat(sidecar.delete("/v1/claims/worker-2").status()).as("returning a claim not held").isEqualTo(404);
        assertThat(sidecar.delete("/v1/claims/worker-1").status()).as("the holder returns it").isEqualTo(204);

        SidecarProcess.Reply next = claim("worker-2");
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        assertThat(next.json().path("granted").asBoolean()).isTrue();
    }

    @Test
    void shouldGiveTheClaimOfAVanishedClientToAnotherOnlyAfterItsPermitExpired() throws Exception {
        SidecarProcess.Reply vanishing = claim("worker-1"); // and never again
        assertThat(vanishing.status()).isEqualTo(200);
        long permitEndNanos = vanishing.sentNanos()
                + TimeUnit.MILLISECONDS.toNanos(vanishing.json().path("validForMillis").asLong());
        assertThat(claim("worker-2").status()).as("while worker-1's permit is valid").isEqualTo(409);

        SidecarProcess.Reply taken = await("worker-2 gets the claim").atMost(Sidecars.PATIENCE)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> claim("worker-2"), r -> r.status() == 200);
        assertThat(taken.receivedNanos() - permitEndNanos).as("granted after worker-1's permit ran out (ns)")
                .isGreaterThanOrEqualTo(0);
        System.out.printf("claims: worker-2 got the claim %d ms after worker-1's permit ran out%n",
                TimeUnit.NANOSECONDS.toMillis(taken.receivedNanos() - permitEndNanos));
    }

    private SidecarProcess.Reply claim(String client) throws Exception {
        return claimAsync(client).get(10, TimeUnit.SECONDS);
    }

    private CompletableFuture<SidecarProcess.Reply> claimAsync(String client) {
        return SidecarProcess.sendAsync(HttpRequest.newBuilder(sidecar.controlUri("/v1/claims"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"client\":\"" + client + "\"}")));
    }

    private static List<String> bodies(List<SidecarProcess.Reply> replies) {
        return replies.stream().map(r -> r.status() + " " + r.body()).toList();
    }
}
