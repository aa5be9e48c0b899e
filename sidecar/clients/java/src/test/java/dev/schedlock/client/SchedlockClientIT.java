package dev.schedlock.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.schedlock.client.process.LocalSidecars;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** The client against real sidecar processes on one SQLite file. */
class SchedlockClientIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private LocalSidecars sidecars;

    @BeforeEach
    void createSidecars() {
        sidecars = new LocalSidecars(dir);
    }

    @AfterEach
    void killSidecars() {
        sidecars.close();
    }

    @Test
    @SuppressWarnings("try") // the watches run while the try block lasts
    void shouldGiveThePermitToTheLeaderAndSeeAHandoffByEventsAndLongPollAndRevokeWhenTheSidecarHangs() throws Exception {
        SidecarProcess a = sidecars.start("pod-a", 0);
        SchedlockClient first = LocalSidecars.client(a);
        Permit permit = await().atMost(PATIENCE).ignoreExceptions().until(first::permit, p -> p.isPresent())
                .orElseThrow();
        SidecarProcess b = sidecars.start("pod-b", 0);
        SchedlockClient second = LocalSidecars.client(b);
        await().atMost(PATIENCE).ignoreExceptions().until(() -> second.lease() != null);

        // Permits: the leader's, counted from the send, with the token and the store id.
        long before = System.nanoTime();
        LeaseView view = first.lease();
        long after = System.nanoTime();
        Permit fresh = view.permit().orElseThrow();
        assertThat(fresh.sentNanos()).as("counted from the send").isBetween(before, after);
        assertThat(fresh.deadlineNanos()).isEqualTo(fresh.sentNanos() + fresh.validForMillis() * 1_000_000L);
        assertThat(fresh.validForMillis()).isPositive().isLessThanOrEqualTo(1000);
        assertThat(fresh.fencingToken()).isEqualTo(permit.fencingToken()).isPositive();
        assertThat(fresh.storeId()).as("store id").matches("[0-9a-f-]{36}");
        assertThat(view.state()).isEqualTo("LEADER");
        assertThat(view.holder().pod()).isEqualTo("pod-a");
        LeaseView other = second.lease();
        assertThat(other.permit()).as("the standby's answer " + other).isEmpty();
        assertThat(other.leader()).isFalse();
        assertThat(other.storeId()).as("one store, one id").isEqualTo(fresh.storeId());
        LeaseView polled = first.awaitChange(-1, Duration.ofSeconds(1));
        assertThat(polled.leader()).isTrue();
        assertThat(polled.permit()).as("a long-poll answer is never a permit").isEmpty();
        assertThatThrownBy(() -> first.awaitChange(1, Duration.ofSeconds(61)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 60s");
        assertThat(catchDenied(() -> first.claim("worker-1")).code()).isEqualTo("PERMIT_MODE_POD");

        // Watches: a step-down and the takeover, by events and by long-poll.
        List<LeaseView> byEvents = new CopyOnWriteArrayList<>();
        List<LeaseView> byPoll = new CopyOnWriteArrayList<>();
        List<LeaseView> firstEvents = new CopyOnWriteArrayList<>();
        try (LeaseWatch events = LeaseWatch.events(second, byEvents::add);
             LeaseWatch poll = LeaseWatch.longPoll(second, byPoll::add);
             LeaseWatch leaving = LeaseWatch.events(first, firstEvents::add)) {
            await().atMost(PATIENCE).until(() -> !byEvents.isEmpty() && !byPoll.isEmpty() && !firstEvents.isEmpty());
            assertThat(byEvents.get(0).leader()).as("the standby's first event").isFalse();

            first.stepDown();

            await("the leader's events say it steps down").atMost(PATIENCE)
                    .until(() -> firstEvents.stream().anyMatch(v -> !v.leader() && !"LEADER".equals(v.state())));
            await("events and long-poll see the takeover").atMost(PATIENCE).until(() -> leads(byEvents) && leads(byPoll));
        }
        assertThat(last(byEvents).fencingToken()).as("a new holding, a higher token").isGreaterThan(fresh.fencingToken());
        assertThat(last(byPoll).fencingToken()).isEqualTo(last(byEvents).fencingToken());
        assertThat(byEvents).allSatisfy(v -> assertThat(v.permit()).as("events are never permits").isEmpty());

        // A keeper on the new leader: revoked at the permit's end when the sidecar hangs.
        List<Permit> granted = new CopyOnWriteArrayList<>();
        AtomicLong revokedAt = new AtomicLong();
        try (PermitKeeper keeper = PermitKeeper.pod(second).listener(new PermitKeeper.Listener() {
            @Override
            public void granted(Permit p) {
                granted.add(p);
            }

            @Override
            public void revoked() {
                revokedAt.set(System.nanoTime());
            }
        }).start()) {
            await().atMost(PATIENCE).until(() -> keeper.current().isPresent());
            b.sigstop();   // as a frozen node: connections hang instead of being refused
            long stopped = System.nanoTime();
            await("revoked though no request returns").atMost(Duration.ofSeconds(5)).until(() -> revokedAt.get() != 0);
            assertThat(keeper.current()).isEmpty();
            assertThat(Duration.ofNanos(revokedAt.get() - stopped)).as("within one permit")
                    .isLessThan(Duration.ofMillis(1500));
            assertThat(granted).hasSize(1);
            assertThat(granted.get(0).fencingToken()).isEqualTo(last(byEvents).fencingToken());

            long sent = System.nanoTime();
            assertThatThrownBy(second::lease).isInstanceOf(SidecarUnreachableException.class)
                    .hasMessageContaining("no answer is no permit");
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).as("the request timeout")
                    .isLessThan(Duration.ofSeconds(3));
        } finally {
            b.sigcont();
        }
        SchedlockClient nobody = SchedlockClient.create(URI.create("http://127.0.0.1:" + LocalSidecars.freePort()));
        assertThatThrownBy(nobody::permit).isInstanceOf(SidecarUnreachableException.class);
    }

    @Test
    void shouldClaimRenewAndReturnWithTheHandleAndSayWhyAClaimIsDenied() throws Exception {
        SidecarProcess sidecar = sidecars.start("pod-c", 0, "--permit-mode", "claims");
        SchedlockClient client = LocalSidecars.client(sidecar);
        await().atMost(PATIENCE).ignoreExceptions().until(() -> client.lease().leader());

        Claim claim = client.claim("worker-1");
        assertThat(claim.permit().isValid()).isTrue();
        assertThat(claim.permit().storeId()).as("the store id of the claim's token")
                .isEqualTo(client.lease().storeId()).matches("[0-9a-f-]{36}");
        assertThat(claim.toString()).as("the handle is a secret").doesNotContain(claim.handle());
        assertThat(client.lease().permit()).as("a GET is no permit in claims mode").isEmpty();

        ClaimDeniedException held = catchDenied(() -> client.claim("worker-2"));
        assertThat(held.code()).isEqualTo("HELD_BY_OTHER");
        assertThat(held.heldBy()).isEqualTo("worker-1");
        assertThat(catchDenied(() -> client.claim("worker-1")).code())
                .as("the same name without the handle").isEqualTo("HANDLE_MISMATCH");

        Claim renewed = client.renew(claim);
        assertThat(renewed.handle()).isEqualTo(claim.handle());
        assertThat(renewed.permit().sentNanos()).isGreaterThan(claim.permit().sentNanos());
        assertThat(renewed.permit().fencingToken()).isEqualTo(claim.permit().fencingToken());
        assertThat(renewed.permit().storeId()).isEqualTo(claim.permit().storeId());

        Claim stranger = new Claim("worker-1", "AAAAAAAAAAAAAAAAAAAAAA", claim.permit(), false);
        assertThatThrownBy(() -> client.returnClaim(stranger)).isInstanceOfSatisfying(SidecarErrorException.class,
                e -> assertThat(e.code()).isEqualTo("HANDLE_MISMATCH"));
        assertThat(client.returnClaim(renewed)).as("returned").isTrue();
        assertThat(client.returnClaim(renewed)).as("already returned").isFalse();
        assertThat(client.claim("worker-2").permit().isValid()).as("free for another client at once").isTrue();

        assertThatThrownBy(() -> client.claim("worker 3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("client name");
    }

    private static boolean leads(List<LeaseView> views) {
        return !views.isEmpty() && last(views).leader();
    }

    private static LeaseView last(List<LeaseView> views) {
        return views.get(views.size() - 1);
    }

    private static ClaimDeniedException catchDenied(Runnable call) {
        try {
            call.run();
        } catch (ClaimDeniedException e) {
            return e;
        }
        throw new AssertionError("not denied");
    }
}
