package dev.schedlock.sidecar.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Permit mode {@code claims}: several processes in one pod, one executor permit, handed over by
 * claims. Only the caller holding a claim's handle can renew or return it.
 */
class ClaimsIT extends WithSidecars {

    private static final List<String> CLIENTS = List.of("worker-1", "worker-2", "worker-3", "worker-4");

    private SidecarProcess sidecar;

    @BeforeEach
    void startLeaderInClaimsMode() throws Exception {
        sidecar = sidecars.start("pod-a", "--permit-mode", "claims", "--log-format", "json", "--log-level", "debug");
        Sidecars.awaitLeading(sidecar);
    }

    @Test
    void shouldGrantTheClaimToExactlyOneOfFourClientsClaimingAtOnce() throws Exception {
        List<Claimant> claimants = CLIENTS.stream().map(name -> new Claimant(sidecar, name)).toList();
        List<CompletableFuture<SidecarProcess.Reply>> pending = claimants.stream()
                .map(c -> c.claimAsync(Duration.ofSeconds(10))).toList();
        List<SidecarProcess.Reply> replies = pending.stream().map(CompletableFuture::join).toList();

        List<SidecarProcess.Reply> granted = replies.stream().filter(r -> r.status() == 200).toList();
        assertThat(granted).as("granted claims of " + bodies(replies)).hasSize(1);
        JsonNode grant = granted.get(0).json();
        assertThat(grant.path("granted").asBoolean()).isTrue();
        assertThat(grant.path("validForMillis").asLong()).isPositive().isLessThanOrEqualTo(Sidecars.PERMIT_TTL.toMillis());
        assertThat(grant.path("handle").asText()).as("the grant's secret handle").matches("[A-Za-z0-9_-]{22}");
        String holder = CLIENTS.get(replies.indexOf(granted.get(0)));

        List<SidecarProcess.Reply> refused = replies.stream().filter(r -> r.status() != 200).toList();
        assertThat(refused).as("refused claims").hasSize(3).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(409);
            assertThat(r.json().path("granted").asBoolean()).isFalse();
            assertThat(r.json().path("reason").asText()).isEqualTo("HELD_BY_OTHER");
            assertThat(r.json().path("heldBy").asText()).isEqualTo(holder);
            assertThat(r.json().path("validForMillis").asLong()).isZero();
            assertThat(r.json().has("handle")).as("a refusal carries no handle").isFalse();
        });

        // A GET in claims mode reports the leadership but is no permit.
        JsonNode lease = sidecar.lease();
        assertThat(lease.path("leader").asBoolean()).as(lease.toString()).isTrue();
        assertThat(lease.path("state").asText()).isEqualTo("LEADER");
        assertThat(lease.path("validForMillis").asLong()).as(lease.toString()).isZero();
        assertThat(sidecar.get("/v1/lease/allowed").status()).as("allowed without a claim").isEqualTo(409);
        assertThat(sidecar.get("/v1/lease/allowed?client=" + holder).status())
                .as("a GET no longer claims, not even for the holder").isEqualTo(400);
    }

    @Test
    void shouldHandTheClaimToAnotherClientAtOnceWhenTheHolderReturnsItWithItsHandle() throws Exception {
        Claimant first = new Claimant(sidecar, "worker-1");
        Claimant second = new Claimant(sidecar, "worker-2");
        assertThat(first.claim().status()).isEqualTo(200);
        String handle = first.handle();
        SidecarProcess.Reply renewed = first.claim();
        assertThat(renewed.status()).as("the holder renews with its handle: " + renewed.body()).isEqualTo(200);
        assertThat(renewed.json().path("handle").asText()).as("a renewal keeps the handle").isEqualTo(handle);
        assertThat(second.claim().json().path("heldBy").asText()).isEqualTo("worker-1");

        assertThat(second.returnClaim().status()).as("returning a claim not held").isEqualTo(404);
        assertThat(first.returnClaim().status()).as("the holder returns it").isEqualTo(204);

        SidecarProcess.Reply next = second.claim();
        assertThat(next.status()).as(next.body()).isEqualTo(200);
        assertThat(next.json().path("granted").asBoolean()).isTrue();
        assertThat(next.json().path("handle").asText()).as("a new claim, a new handle").isNotEqualTo(handle);
        String nextHandle = next.json().path("handle").asText();
        assertThat(sidecar.stderrLines()).as("a claim handle is a secret: never in the log, not even at debug level")
                .isNotEmpty().noneMatch(line -> line.contains(handle) || line.contains(nextHandle));
    }

    @Test
    void shouldRefuseToReturnAClaimWithoutOrWithAWrongHandleAndLetTheHolderKeepIt() throws Exception {
        Claimant holder = new Claimant(sidecar, "worker-1");
        SidecarProcess.Reply grant = holder.claim();
        assertThat(grant.status()).isEqualTo(200);
        long permitEndNanos = grant.sentNanos() + TimeUnit.MILLISECONDS.toNanos(grant.json().path("validForMillis").asLong());

        SidecarProcess.Reply withoutHandle = sidecar.delete("/v1/claims/worker-1");
        SidecarProcess.Reply wrongHandle = SidecarProcess.send(Claimant.returnRequest(
                sidecar.controlUri("/v1/claims/worker-1"), "AAAAAAAAAAAAAAAAAAAAAA"));

        for (SidecarProcess.Reply refused : List.of(withoutHandle, wrongHandle)) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(409);
            assertThat(refused.json().path("error").asText()).isEqualTo("HANDLE_MISMATCH");
            assertThat(refused.json().path("message").asText()).contains("Schedlock-Claim-Handle");
        }
        SidecarProcess.Reply thief = new Claimant(sidecar, "worker-2").claim();
        assertThat(thief.status()).as("nobody else gets the permit: " + thief.body()).isEqualTo(409);
        assertThat(thief.json().path("heldBy").asText()).isEqualTo("worker-1");
        SidecarProcess.Reply kept = holder.claim();
        assertThat(kept.status()).as("the holder keeps its claim: " + kept.body()).isEqualTo(200);
        assertThat(kept.sentNanos()).as("renewed while its first permit was valid").isLessThan(permitEndNanos);
    }

    @Test
    void shouldRefuseASecondCallerWithTheSameClientNameWithoutTheHandle() throws Exception {
        Claimant first = new Claimant(sidecar, "worker-1");
        Claimant sameName = new Claimant(sidecar, "worker-1"); // another process that picked the same name
        assertThat(first.claim().status()).isEqualTo(200);

        SidecarProcess.Reply refused = sameName.claim();

        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.json().path("granted").asBoolean()).isFalse();
        assertThat(refused.json().path("reason").asText()).isEqualTo("HANDLE_MISMATCH");
        assertThat(refused.json().path("validForMillis").asLong()).as("no permit").isZero();
        assertThat(refused.json().path("message").asText()).contains("same client name");
        assertThat(first.claim().status()).as("the first keeps renewing").isEqualTo(200);
        assertThat(sameName.returnClaim().status()).as("nor can it return the first one's claim").isEqualTo(409);
        assertThat(first.returnClaim().status()).isEqualTo(204);
        assertThat(sameName.claim().status()).as("once returned, the name is free").isEqualTo(200);
    }

    @Test
    void shouldGiveTheClaimOfAVanishedClientToAnotherOnlyAfterItsPermitExpired() throws Exception {
        SidecarProcess.Reply vanishing = new Claimant(sidecar, "worker-1").claim(); // and never again
        assertThat(vanishing.status()).isEqualTo(200);
        long permitEndNanos = vanishing.sentNanos()
                + TimeUnit.MILLISECONDS.toNanos(vanishing.json().path("validForMillis").asLong());
        Claimant restarted = new Claimant(sidecar, "worker-1"); // the same name, its handle lost
        Claimant other = new Claimant(sidecar, "worker-2");
        assertThat(other.claim().status()).as("while worker-1's permit is valid").isEqualTo(409);
        assertThat(restarted.claim().status()).as("worker-1 restarted without its handle").isEqualTo(409);

        SidecarProcess.Reply taken = await("worker-2 gets the claim").atMost(Sidecars.PATIENCE)
                .pollInterval(Duration.ofMillis(50))
                .until(other::claim, r -> r.status() == 200);
        assertThat(taken.receivedNanos() - permitEndNanos).as("granted after worker-1's permit ran out (ns)")
                .isGreaterThanOrEqualTo(0);
        System.out.printf("claims: worker-2 got the claim %d ms after worker-1's permit ran out%n",
                TimeUnit.NANOSECONDS.toMillis(taken.receivedNanos() - permitEndNanos));
    }

    @Test
    void shouldAcceptTheHandleInTheHeaderOfAPostToo() throws Exception {
        Claimant holder = new Claimant(sidecar, "worker-1");
        assertThat(holder.claim().status()).isEqualTo(200);

        SidecarProcess.Reply renewed = SidecarProcess.send(Claimant.claimRequest(sidecar.controlUri("/v1/claims"),
                "worker-1", null).header(Claimant.HANDLE_HEADER, holder.handle()));

        assertThat(renewed.status()).as(renewed.body()).isEqualTo(200);
        assertThat(renewed.json().path("handle").asText()).isEqualTo(holder.handle());
        SidecarProcess.Reply conflicting = SidecarProcess.send(Claimant.claimRequest(sidecar.controlUri("/v1/claims"),
                "worker-1", holder.handle()).header(Claimant.HANDLE_HEADER, "AAAAAAAAAAAAAAAAAAAAAA"));
        assertThat(conflicting.status()).as(conflicting.body()).isEqualTo(400);
    }

    private static List<String> bodies(List<SidecarProcess.Reply> replies) {
        return replies.stream().map(r -> r.status() + " " + r.body()).toList();
    }
}
