package dev.schedlock.sidecar.lease;

import static dev.schedlock.sidecar.lease.ElectorFixture.LOCAL_VALIDITY;
import static dev.schedlock.sidecar.lease.ElectorFixture.OTHER;
import static dev.schedlock.sidecar.lease.ElectorFixture.PERMIT_TTL_MS;
import static dev.schedlock.sidecar.lease.ElectorFixture.RETRY;
import static dev.schedlock.sidecar.lease.ElectorFixture.SELF;
import static dev.schedlock.sidecar.lease.ElectorFixture.T0;
import static dev.schedlock.sidecar.lease.ElectorFixture.config;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.acquired;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.heldBy;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.rowHeldBy;
import static dev.schedlock.sidecar.lease.ScriptedLeaseStore.unavailable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.lease.ScriptedLeaseStore.Reply;
import dev.schedlock.sidecar.store.TakeoverRule.Expired;
import dev.schedlock.sidecar.store.TransitionKind;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the elector hands out: pod permits, claims, and the drain before a release. Every permit
 * must end at or before the local deadline, and the row is released only after the permits.
 */
class LeaseElectorPermitTest {

    private static final LeaseConfig POD = config().permitMode(PermitMode.POD).build();
    private static final LeaseConfig CLAIMS = config().permitMode(PermitMode.CLAIMS).build();
    private static final long MS = 1_000_000L;

    private final ElectorFixture f = new ElectorFixture();

    @AfterEach
    void storeWasUsedAsScripted() {
        f.verifyStore();
    }

    // =================================================================== pod permits

    record PermitCase(String name, LeaseConfig config, BiFunction<ElectorFixture, LeaseConfig, LeaseElector> setUp,
                      long validForMillis, long token) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<PermitCase> permitCases() {
        BiFunction<ElectorFixture, LeaseConfig, LeaseElector> leader = (f, c) -> f.leading(c, 7);
        BiFunction<ElectorFixture, LeaseConfig, LeaseElector> standby = (f, c) -> {
            LeaseElector e = f.elector(c);
            f.store.expectAcquire(Expired.class).thenReturn(heldBy(rowHeldBy(OTHER, 5, 1_000, 60_000)));
            e.step();
            return e;
        };
        BiFunction<ElectorFixture, LeaseConfig, LeaseElector> degraded = (f, c) -> {
            LeaseElector e = f.elector(c);
            f.store.expectAcquire(Expired.class).thenThrow(unavailable());
            e.step();
            return e;
        };
        BiFunction<ElectorFixture, LeaseConfig, LeaseElector> releasing = (f, c) -> {
            LeaseElector e = f.leading(c, 7);
            e.beginRelease("step-down requested");
            return e;
        };
        BiFunction<ElectorFixture, LeaseConfig, LeaseElector> pastDeadline = (f, c) -> {
            LeaseElector e = f.leading(c, 7);
            f.clock.advanceNanos(LOCAL_VALIDITY);
            return e;
        };
        return Stream.of(
                new PermitCase("pod mode, leader: a permit for permit-ttl", POD, leader, PERMIT_TTL_MS, 7),
                new PermitCase("pod mode, standby: none", POD, standby, 0, 0),
                new PermitCase("pod mode, degraded: none", POD, degraded, 0, 0),
                new PermitCase("pod mode, releasing: none", POD, releasing, 0, 0),
                new PermitCase("pod mode, past the deadline: none", POD, pastDeadline, 0, 0),
                new PermitCase("claims mode, leader: says leader, but carries no permit", CLAIMS, leader, 0, 7),
                new PermitCase("claims mode, standby: none", CLAIMS, standby, 0, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("permitCases")
    void shouldGrantAPodPermitOnlyToTheLeaderInPodMode(PermitCase c) {
        LeaseElector elector = c.setUp().apply(f, c.config());

        Permit permit = elector.podPermit();

        assertThat(permit.validForMillis()).isEqualTo(c.validForMillis());
        assertThat(permit.granted()).isEqualTo(c.validForMillis() > 0);
        assertThat(permit.fencingToken()).isEqualTo(c.token());
        assertThat(permit.client()).isNull();
    }

    @Test
    void shouldBoundEveryPodPermitByPermitTtlAndTheDeadline() {
        LeaseElector elector = f.leading(POD, 7);
        long deadline = T0 + LOCAL_VALIDITY;
        // An odd step, so that the loop lands on fractions of milliseconds too.
        for (long t = T0; t - (deadline + 2_000 * MS) <= 0; t += 7_919_113L) {
            f.clock.set(t);
            Permit permit = elector.podPermit();
            long remaining = deadline - t;
            long expected = remaining <= 0 ? 0 : Math.min(remaining / MS, PERMIT_TTL_MS);
            assertThat(permit.validForMillis()).as("at deadline - %d ns", remaining).isEqualTo(expected);
            if (permit.granted()) {
                assertThat(t + permit.validForMillis() * MS - deadline).as("permit end past the deadline").isNotPositive();
            }
        }
    }

    /**
     * A simulated runner with random latencies and answers. Whatever happens, a permit never
     * outlives {@code sentAt + ttl - safetyMargin} of the last store call that confirmed the holding:
     * the store keeps the row for at least {@code ttl} after that send.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void shouldNeverIssueAPermitBeyondTheLastConfirmedSend(long seed) {
        Random random = new Random(seed);
        LeaseElector elector = f.elector(POD);
        long lastConfirmedSend = Long.MIN_VALUE;
        long lastToken = 0;
        long nextStepAt = T0;
        int granted = 0;
        for (int i = 0; i < 2_000; i++) {
            if (f.clock.nanoTime() - nextStepAt >= 0) {
                long sentAt = f.clock.nanoTime();
                long untilDeadline = elector.nanosUntilDeadline();
                boolean renewing = untilDeadline > 0 && untilDeadline != Long.MAX_VALUE;
                Duration latency = Duration.ofMillis(random.nextInt(20) == 0 ? random.nextInt(60_000) : random.nextInt(2_000));
                int answer = random.nextInt(10); // 0-6 success, 7-8 refused, 9 store error
                if (renewing) {
                    var reply = f.store.expectRenew(elector.heldToken()).taking(latency);
                    if (answer < 9) {
                        reply.thenReturn(answer < 7);
                    } else {
                        reply.thenThrow(unavailable());
                    }
                } else {
                    var reply = f.store.expectAcquire(Expired.class).taking(latency);
                    if (answer < 7) {
                        reply.thenReturn(acquired(SELF, ++lastToken));
                    } else if (answer < 9) {
                        reply.thenReturn(heldBy(rowHeldBy(OTHER, ++lastToken, 1_000, 60_000)));
                    } else {
                        reply.thenThrow(unavailable());
                    }
                }
                if (answer < 7) {
                    lastConfirmedSend = sentAt;
                }
                nextStepAt = f.clock.nanoTime() + elector.step();
            }
            long now = f.clock.nanoTime();
            Permit permit = elector.podPermit();
            if (permit.granted()) {
                granted++;
                assertThat(now + permit.validForMillis() * MS - (lastConfirmedSend + LOCAL_VALIDITY))
                        .as("permit end past the last confirmed send + local validity").isNotPositive();
                assertThat(permit.validForMillis()).isLessThanOrEqualTo(PERMIT_TTL_MS);
                assertThat(permit.fencingToken()).isEqualTo(lastToken);
            } else {
                assertThat(elector.snapshot().isLeader(now)).isFalse();
            }
            f.clock.advanceNanos(random.nextInt(1_500) * MS + random.nextInt(1_000_000));
        }
        assertThat(granted).as("permits granted in the run").isPositive();
    }

    // =================================================================== claims

    @Test
    void shouldGrantTheClaimToOneClientAtATime() {
        LeaseElector elector = f.leading(CLAIMS, 7);

        ClaimResult first = elector.claim("worker-a", null);
        assertThat(first.granted()).isTrue();
        assertThat(first.permit()).isEqualTo(new Permit(7, PERMIT_TTL_MS, "worker-a"));
        String handle = first.handle();

        ClaimResult second = elector.claim("worker-b");
        assertThat(second.granted()).isFalse();
        assertThat(second.reason()).isEqualTo("HELD_BY_OTHER");
        assertThat(second.heldBy()).isEqualTo("worker-a");

        f.clock.advance(Duration.ofSeconds(3));
        ClaimResult renewed = elector.claim("worker-a", handle);
        assertThat(renewed.permit().validForMillis()).as("re-claim extends").isEqualTo(PERMIT_TTL_MS);
        assertThat(renewed.handle()).as("a renewal keeps the handle").isEqualTo(handle);
        long firstExpires = T0 + Duration.ofSeconds(13).toNanos();
        f.clock.set(firstExpires - 1);
        assertThat(elector.claim("worker-b").reason()).isEqualTo("HELD_BY_OTHER");
        assertThat(elector.claimHolder()).contains("worker-a");

        f.clock.set(firstExpires);
        assertThat(elector.claimHolder()).isEmpty();
        ClaimResult next = elector.claim("worker-b");
        assertThat(next.granted()).isTrue();
        assertThat(next.handle()).as("a new claim, a new handle").isNotEqualTo(handle);
        assertThat(elector.claimHolder()).contains("worker-b");
        assertThat(elector.claim("worker-a", handle).heldBy()).as("worker-a's old handle is void").isEqualTo("worker-b");
    }

    @Test
    void shouldGrantTheClaimToTheNextClientAsSoonAsItIsReturned() {
        LeaseElector elector = f.leading(CLAIMS, 7);
        String handle = elector.claim("worker-a").handle();

        assertThat(elector.returnClaim("worker-b", handle)).as("not the holder").isEqualTo(ClaimReturn.NO_CLAIM);
        assertThat(elector.returnClaim("worker-a", handle)).isEqualTo(ClaimReturn.RETURNED);

        assertThat(elector.claimHolder()).isEmpty();
        assertThat(elector.claim("worker-b").granted()).isTrue();
        assertThat(elector.returnClaim("worker-a", handle)).isEqualTo(ClaimReturn.NO_CLAIM);
    }

    // ------------------------------------------------------------------- claim handles

    @Test
    void shouldGiveEachClaimAnUnpredictableUrlSafeHandleOf128Bits() {
        LeaseElector elector = f.leading(CLAIMS, 7);
        Set<String> handles = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String handle = elector.claim("worker-" + i).handle();
            assertThat(handle).matches("[A-Za-z0-9_-]{22}");
            assertThat(Base64.getUrlDecoder().decode(handle)).hasSize(16);
            handles.add(handle);
            assertThat(elector.returnClaim("worker-" + i, handle)).isEqualTo(ClaimReturn.RETURNED);
        }
        assertThat(handles).as("no handle repeats").hasSize(1_000);
    }

    /**
     * The claim is held by worker-a; another caller presents {@code handle}, or the holder's own
     * handle when {@code handle} is null and {@code holdersHandle} is set.
     */
    record ClaimCase(String name, String client, String handle, boolean holdersHandle, String reason) {

        String presented(String holders) {
            return holdersHandle ? holders : handle;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<ClaimCase> callersWithoutTheHandle() {
        return Stream.of(
                new ClaimCase("the same name without a handle (a second process, or the holder restarted)",
                        "worker-a", null, false, "HANDLE_MISMATCH"),
                new ClaimCase("the same name with a wrong handle", "worker-a", "AAAAAAAAAAAAAAAAAAAAAA", false,
                        "HANDLE_MISMATCH"),
                new ClaimCase("the same name with an empty handle", "worker-a", "", false, "HANDLE_MISMATCH"),
                new ClaimCase("another name with the holder's handle", "worker-b", null, true, "HELD_BY_OTHER"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("callersWithoutTheHandle")
    void shouldNotGrantAHeldClaimToACallerWithoutItsHandle(ClaimCase c) {
        LeaseElector elector = f.leading(CLAIMS, 7);
        String handle = elector.claim("worker-a").handle();
        long version = elector.snapshot().version();

        ClaimResult refused = elector.claim(c.client(), c.presented(handle));

        assertThat(refused.granted()).isFalse();
        assertThat(refused.reason()).isEqualTo(c.reason());
        assertThat(refused.heldBy()).isEqualTo("worker-a");
        assertThat(refused.handle()).isNull();
        assertThat(refused.permit()).isNull();
        assertThat(elector.snapshot().version()).as("nothing changed").isEqualTo(version);
        ClaimResult kept = elector.claim("worker-a", handle);
        assertThat(kept.granted()).as("the holder keeps its claim").isTrue();
        assertThat(kept.handle()).isEqualTo(handle);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("callersWithoutTheHandle")
    void shouldNotLetACallerWithoutTheHandleReturnAHeldClaim(ClaimCase c) {
        LeaseElector elector = f.leading(CLAIMS, 7);
        String handle = elector.claim("worker-a").handle();
        ClaimReturn refused = elector.returnClaim(c.client(), c.presented(handle));

        assertThat(refused).isEqualTo(c.client().equals("worker-a") ? ClaimReturn.HANDLE_MISMATCH : ClaimReturn.NO_CLAIM);
        assertThat(elector.claimHolder()).as("the holder keeps its claim").contains("worker-a");
        assertThat(elector.claim("worker-b").reason()).isEqualTo("HELD_BY_OTHER");
        elector.beginRelease("step-down requested");
        assertThat(elector.drainRemainingNanos()).as("the drain still waits for the holder's claim")
                .isEqualTo(PERMIT_TTL_MS * MS);
    }

    @Test
    void shouldLetAnyoneClaimOnceTheClaimExpiredEvenWithAStaleHandle() {
        LeaseElector elector = f.leading(CLAIMS, 7);
        String old = elector.claim("worker-a").handle();
        f.clock.advance(Duration.ofMillis(PERMIT_TTL_MS));

        assertThat(elector.returnClaim("worker-a", "AAAAAAAAAAAAAAAAAAAAAA")).as("expired: nothing to return")
                .isEqualTo(ClaimReturn.NO_CLAIM);
        ClaimResult restarted = elector.claim("worker-a", null);
        assertThat(restarted.granted()).as("a restarted holder without its handle, once the claim expired").isTrue();
        assertThat(restarted.handle()).isNotEqualTo(old);
        assertThat(elector.claim("worker-a", old).reason()).as("the old handle is void").isEqualTo("HANDLE_MISMATCH");
    }

    @Test
    void shouldReturnAnExpiredClaimToItsHolder() {
        LeaseElector elector = f.leading(CLAIMS, 7);
        String handle = elector.claim("worker-a").handle();
        f.clock.advance(Duration.ofMillis(PERMIT_TTL_MS));

        assertThat(elector.returnClaim("worker-a", handle)).isEqualTo(ClaimReturn.RETURNED);
        assertThat(elector.returnClaim("worker-a", handle)).as("once").isEqualTo(ClaimReturn.NO_CLAIM);
    }

    @Test
    void shouldNeverShowTheHandleInASnapshotOrAResultsText() {
        LeaseElector elector = f.leading(CLAIMS, 7);
        ClaimResult grant = elector.claim("worker-a");

        assertThat(grant.toString()).doesNotContain(grant.handle()).contains("(secret)");
        assertThat(elector.snapshot().toString()).doesNotContain(grant.handle());
        assertThat(f.changes).allSatisfy(s -> assertThat(s.toString()).doesNotContain(grant.handle()));
    }

    @Test
    void shouldNotGrantAClaimPastTheDeadline() {
        LeaseElector elector = f.leading(CLAIMS, 7);
        long deadline = T0 + LOCAL_VALIDITY;

        f.clock.set(deadline - 3_500 * MS);
        ClaimResult grant = elector.claim("worker-a");
        assertThat(grant.permit().validForMillis()).isEqualTo(3_500);
        f.clock.set(deadline - MS / 2);
        assertThat(elector.claim("worker-a", grant.handle()).reason()).as("less than a millisecond left")
                .isEqualTo("NOT_LEADER");
        f.clock.set(deadline);
        assertThat(elector.claim("worker-a", grant.handle()).reason()).isEqualTo("NOT_LEADER");
    }

    @Test
    void shouldRefuseClaimsWhenNotLeadingOrReleasing() {
        LeaseElector standby = f.elector(CLAIMS);
        assertThat(standby.claim("worker-a").reason()).isEqualTo("NOT_LEADER");

        LeaseElector releasing = f.leading(CLAIMS, 7);
        releasing.beginRelease("shutting down");
        assertThat(releasing.claim("worker-a").reason()).isEqualTo("RELEASING");
    }

    @Test
    void shouldTellWatchersWhenAClaimIsGrantedOrReturnedButNotWhenItIsKept() {
        LeaseElector elector = f.leading(CLAIMS, 7);
        long version = elector.snapshot().version();

        String handle = elector.claim("worker-a").handle();
        assertThat(f.lastChange().activeClaims()).isEqualTo(1);
        assertThat(f.lastChange().version()).isEqualTo(version + 1);
        elector.claim("worker-a", handle);
        assertThat(elector.snapshot().version()).isEqualTo(version + 1);
        elector.returnClaim("worker-a", handle);
        assertThat(f.lastChange().activeClaims()).isZero();
        assertThat(f.lastChange().version()).isEqualTo(version + 2);
    }

    // =================================================================== an earlier holding's permits

    /** How the holding that issued a permit ended before the elector acquired again. */
    enum EarlierHoldingEnd {
        /** Step-down whose drain timed out: the row was not released, and is taken back after the hold-off. */
        STEP_DOWN_WITHOUT_RELEASE {
            @Override
            void end(ElectorFixture f, LeaseElector elector) {
                elector.beginRelease("step-down requested");
                elector.resumeAfterStepDown();
                f.clock.advanceNanos(2 * (long) (RETRY * 1.2));
            }
        },
        /** The store refused a renewal (e.g. a forced release): the row is free again at once. */
        RENEWAL_REFUSED {
            @Override
            void end(ElectorFixture f, LeaseElector elector) {
                f.store.expectRenew(7).thenReturn(false);
                elector.step();
            }
        };

        abstract void end(ElectorFixture f, LeaseElector elector);
    }

    /** Leads with token 7, issues a permit via {@code issue} 10 s in (valid until T0 + 20 s), ends, leads with token 8. */
    private LeaseElector leadAgainAfterIssuing(LeaseConfig config, EarlierHoldingEnd end, Consumer<LeaseElector> issue) {
        LeaseElector elector = f.leading(config, 7);
        f.clock.advance(Duration.ofSeconds(10));
        issue.accept(elector);
        end.end(f, elector);
        f.store.expectAcquire(Expired.class).thenReturn(acquired(SELF, 8));
        elector.step();
        assertThat(elector.snapshot().state()).isEqualTo(LeaseState.LEADER);
        assertThat(elector.snapshot().fencingToken()).isEqualTo(8);
        assertThat(f.clock.nanoTime() - (T0 + Duration.ofSeconds(20).toNanos())).as("earlier permit still valid").isNegative();
        return elector;
    }

    @ParameterizedTest
    @EnumSource(EarlierHoldingEnd.class)
    void shouldNotGrantASecondClaimWhileAClaimOfAnEarlierHoldingIsValid(EarlierHoldingEnd end) {
        String[] handle = new String[1];
        LeaseElector elector = leadAgainAfterIssuing(CLAIMS, end, e -> handle[0] = e.claim("worker-a").handle());

        ClaimResult other = elector.claim("worker-b");

        assertThat(other.granted()).as("worker-a still holds a valid claim").isFalse();
        assertThat(other.heldBy()).isEqualTo("worker-a");
        assertThat(elector.claim("worker-a").reason()).as("nor a caller of the same name without its handle")
                .isEqualTo("HANDLE_MISMATCH");
        assertThat(elector.claim("worker-a", handle[0]).permit().fencingToken())
                .as("the holder re-claims with its handle and gets the new token").isEqualTo(8);
    }

    @ParameterizedTest
    @EnumSource(EarlierHoldingEnd.class)
    void shouldDrainPodPermitsOfAnEarlierHoldingToo(EarlierHoldingEnd end) {
        LeaseElector elector = leadAgainAfterIssuing(POD, end,
                e -> assertThat(e.podPermit().validForMillis()).isEqualTo(PERMIT_TTL_MS));

        elector.beginRelease("shutting down");

        assertThat(elector.drainRemainingNanos()).isEqualTo(T0 + Duration.ofSeconds(20).toNanos() - f.clock.nanoTime());
    }

    // =================================================================== release

    @Test
    void shouldStopGrantingAndTellWatchersAtOnceWhenTheReleaseBegins() {
        LeaseElector elector = f.leading(POD, 7);
        assertThat(elector.podPermit().granted()).isTrue();
        long version = elector.snapshot().version();

        assertThat(elector.beginRelease("step-down requested")).as("was leading").isTrue();

        assertThat(f.lastChange().state()).isEqualTo(LeaseState.RELEASING);
        assertThat(f.lastChange().version()).isGreaterThan(version);
        assertThat(f.lastChange().isLeader(f.clock.nanoTime())).isFalse();
        assertThat(elector.podPermit().granted()).isFalse();
        assertThat(elector.claim("worker-a").reason()).isEqualTo("RELEASING");
    }

    @Test
    void shouldReportNothingToReleaseWhenNotLeading() {
        LeaseElector elector = f.elector(POD);

        assertThat(elector.beginRelease("shutting down")).isFalse();
        assertThat(elector.drainRemainingNanos()).isZero();
        assertThat(elector.releaseInStore()).as("no store call without a holding").isFalse();
    }

    @Test
    void shouldDrainUntilTheLastPodPermitExpires() {
        LeaseElector elector = f.leading(POD, 7);
        assertThat(elector.drainRemainingNanos()).as("nothing issued yet").isZero();
        f.clock.advance(Duration.ofSeconds(1));
        elector.podPermit();
        f.clock.advance(Duration.ofSeconds(3));
        elector.podPermit(); // valid until T0 + 14 s
        long lastPermitEnds = T0 + Duration.ofSeconds(14).toNanos();
        f.clock.advance(Duration.ofSeconds(1));

        elector.beginRelease("step-down requested");

        assertThat(elector.drainRemainingNanos()).isEqualTo(Duration.ofSeconds(9).toNanos());
        f.clock.set(lastPermitEnds - 1);
        assertThat(elector.drainRemainingNanos()).isEqualTo(1);
        f.clock.set(lastPermitEnds);
        assertThat(elector.drainRemainingNanos()).isZero();
    }

    @Test
    void shouldDrainUntilTheLatestEndingPodPermitNotTheLastIssued() {
        LeaseElector elector = f.leading(POD, 7);
        long deadline = T0 + LOCAL_VALIDITY;
        f.clock.set(deadline - 10_000_500_000L);
        assertThat(elector.podPermit().validForMillis()).isEqualTo(PERMIT_TTL_MS); // ends at deadline - 0.5 ms
        f.clock.set(deadline - 9_999_700_000L);
        assertThat(elector.podPermit().validForMillis()).isEqualTo(9_999); // ends at deadline - 0.7 ms

        elector.beginRelease("shutting down");

        assertThat(elector.drainRemainingNanos()).isEqualTo(deadline - 500_000L - f.clock.nanoTime());
    }

    @Test
    void shouldDrainUntilTheClaimIsReturned() {
        LeaseElector elector = f.leading(CLAIMS, 7);
        String handle = elector.claim("worker-a").handle();
        f.clock.advance(Duration.ofSeconds(2));

        elector.beginRelease("step-down requested");

        assertThat(elector.drainRemainingNanos()).isEqualTo(Duration.ofSeconds(8).toNanos());
        assertThat(elector.returnClaim("worker-a", null)).as("not without the handle").isEqualTo(ClaimReturn.HANDLE_MISMATCH);
        assertThat(elector.drainRemainingNanos()).isEqualTo(Duration.ofSeconds(8).toNanos());
        assertThat(elector.returnClaim("worker-a", handle)).isEqualTo(ClaimReturn.RETURNED);
        assertThat(elector.drainRemainingNanos()).isZero();
    }

    @Test
    void shouldDrainUntilAnUnreturnedClaimExpires() {
        LeaseElector elector = f.leading(CLAIMS, 7);
        elector.claim("worker-a");
        elector.beginRelease("step-down requested");

        f.clock.advance(Duration.ofMillis(9_999));
        assertThat(elector.drainRemainingNanos()).isEqualTo(MS);
        f.clock.advance(Duration.ofMillis(1));
        assertThat(elector.drainRemainingNanos()).isZero();
    }

    record ReleaseCase(String name, Consumer<Reply<Boolean>> answer, boolean released, long heldTokenAfter,
                       List<TransitionKind> transitions) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<ReleaseCase> releaseCases() {
        return Stream.of(
                new ReleaseCase("store frees the row: released, holding forgotten", r -> r.thenReturn(true),
                        true, 0, List.of(TransitionKind.ACQUIRED, TransitionKind.RELEASED)),
                new ReleaseCase("row no longer ours: nothing released, holding forgotten", r -> r.thenReturn(false),
                        false, 0, List.of(TransitionKind.ACQUIRED)),
                new ReleaseCase("store error: logged, not thrown; the row expires after its TTL",
                        r -> r.thenThrow(unavailable()), false, 7, List.of(TransitionKind.ACQUIRED)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("releaseCases")
    void shouldReleaseTheHeldTokenInTheStore(ReleaseCase c) {
        LeaseElector elector = f.leading(POD, 7);
        elector.beginRelease("shutting down");
        c.answer().accept(f.store.expectRelease(7));

        assertThat(elector.releaseInStore()).isEqualTo(c.released());

        assertThat(elector.heldToken()).isEqualTo(c.heldTokenAfter());
        assertThat(f.metrics.transitions).isEqualTo(c.transitions());
        if (c.heldTokenAfter() == 0) {
            assertThat(elector.releaseInStore()).as("no second store call").isFalse();
        }
    }
}
