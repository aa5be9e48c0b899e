package dev.schedlock.sidecar.bench;

import dev.schedlock.rules.Durations;
import dev.schedlock.sidecar.lease.LeaseConfig;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Graceful handoff with returned claims, end to end: real sidecar processes in
 * {@code --permit-mode claims}, each with a {@link ClaimClient} (an app that claims while its
 * sidecar leads and returns the claim as soon as its event stream says RELEASING). The benchmark
 * sends SIGTERM to the leader and measures, on this JVM's monotonic clock, from just before the
 * signal to the moment another sidecar's client has its {@code POST /v1/claims} answered 200.
 * The stopped sidecar is replaced by a fresh one before the next sample.
 *
 * <p>Each handoff is also broken down into segments ({@link HandoffTimeline}): the benchmark's own
 * instants and those the two sidecars log, on the one monotonic clock of the machine. The
 * breakdown's percentiles are printed at the end, and the whole timeline of every handoff slower
 * than {@value #SLOW_MILLIS} ms as it happens.
 *
 * <p>Arguments: {@code <sqlite|postgresql> [samples] [candidates=3] [retry]}. Without a retry
 * interval the sidecars run with every timing at its default (TTL 60 s, heartbeat 10 s, retry
 * 2 s, permit TTL 10 s).
 */
public final class HandoffClaimsBench {

    private static final String LOCK = "handoff-claims";
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int SLOW_MILLIS = 100;

    private HandoffClaimsBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs a = new BenchArgs(args);
        String kind = a.text(0, "postgresql");
        int samples = a.count(1, 100);
        int candidates = a.count(2, 3);
        Optional<Duration> retry = a.optional(3).map(Durations::parse);
        BenchStores stores = BenchStores.migrated(kind);
        List<String> options = new ArrayList<>(List.of("--permit-mode", "claims"));
        retry.ifPresent(r -> options.addAll(List.of("--retry-interval", LeaseConfig.fmt(r))));
        long[] handoffs = new long[samples];
        long[] returns = new long[samples];
        ClaimClient[] clients = new ClaimClient[candidates];
        List<List<Long>> segments = new ArrayList<>();
        for (int s = 0; s < HandoffTimeline.SEGMENTS.length; s++) {
            segments.add(new ArrayList<>());
        }
        List<String> slow = new ArrayList<>();
        int[] wokenByWatch = new int[1];
        try (SidecarGroup group = new SidecarGroup(stores, LOCK, candidates, options)) {
            group.startAll();
            for (int slot = 0; slot < candidates; slot++) {
                clients[slot] = new ClaimClient(group.get(slot), "app-" + slot + "-1");
            }
            for (int i = 0; i < samples; i++) {
                int leader = awaitSteadyLeader(clients);
                ClaimClient old = clients[leader];
                long oldToken = old.lastGrant().orElseThrow().token();
                SidecarProcess victim = old.sidecar();
                long termNanos = System.nanoTime();
                ProcessHandle.of(victim.pid()).ifPresent(ProcessHandle::destroy); // SIGTERM
                int next = -1;
                ClaimClient.Grant grant = null;
                while (grant == null) {
                    if (System.nanoTime() - termNanos > PATIENCE_NANOS) {
                        throw new IllegalStateException("no claim granted within 60 s of SIGTERM to " + victim
                                + ": logs in " + group.dir());
                    }
                    for (int slot = 0; slot < candidates && grant == null; slot++) {
                        Optional<ClaimClient.Grant> g = slot == leader ? Optional.empty()
                                : clients[slot].grantAfter(termNanos);
                        if (g.isPresent()) {
                            grant = g.get();
                            next = slot;
                        }
                    }
                    Thread.sleep(1); // benchmark polling; the client timestamps the grant itself
                }
                if (grant.token() <= oldToken) {
                    throw new IllegalStateException("token went from " + oldToken + " to " + grant.token());
                }
                handoffs[i] = grant.receivedNanos() - termNanos;
                returns[i] = old.returnedNanos() - termNanos;
                int exit = victim.awaitExit(Duration.ofSeconds(30));
                System.out.printf(Locale.ROOT, "handoff %d: pod-%d (token %d) SIGTERM, claim returned after %.1f ms,"
                                + " exit %d → pod-%d claim granted with token %d after %.1f ms%n", i + 1, leader,
                        oldToken, returns[i] / 1e6, exit, next, grant.token(), handoffs[i] / 1e6);
                HandoffTimeline timeline = timeline(termNanos, old, clients[next], grant, victim);
                if (timeline.wokenHow().equals("by the release watch")) {
                    wokenByWatch[0]++;
                }
                for (int s = 0; s < HandoffTimeline.SEGMENTS.length; s++) {
                    timeline.segment(s).ifPresent(segments.get(s)::add);
                }
                if (handoffs[i] > TimeUnit.MILLISECONDS.toNanos(SLOW_MILLIS)) {
                    String said = String.format(Locale.ROOT, "handoff %d took %.1f ms, pod-%d → pod-%d:%n%s", i + 1,
                            handoffs[i] / 1e6, leader, next, timeline.describe());
                    System.out.print(said);
                    slow.add(said);
                }
                old.close();
                if (i + 1 < samples) {
                    clients[leader] = new ClaimClient(group.replace(leader), "app-" + leader + "-" + (i + 2));
                }
            }
        } finally {
            for (ClaimClient c : clients) {
                if (c != null) {
                    c.close();
                }
            }
            stores.drop();
        }
        System.out.printf(Locale.ROOT, "%n## Graceful handoff with returned claims, %s, %d sidecars, %s%n%n", kind,
                candidates, retry.map(r -> "retry " + LeaseConfig.fmt(r) + ", other timing defaults")
                        .orElse("default timing (retry 2s)"));
        System.out.printf(Locale.ROOT, "SIGTERM → claim granted at another sidecar: %s%n", Stats.of(handoffs).millis());
        System.out.printf(Locale.ROOT, "SIGTERM → old leader's client has returned its claim: %s%n",
                Stats.of(returns).millis());
        System.out.printf(Locale.ROOT, "%nBreakdown (each segment between two instants on the machine's monotonic"
                + " clock; the new leader was woken by the release watch in %d of %d handoffs):%n", wokenByWatch[0],
                samples);
        for (int s = 0; s < HandoffTimeline.SEGMENTS.length; s++) {
            long[] values = segments.get(s).stream().mapToLong(Long::longValue).toArray();
            System.out.printf(Locale.ROOT, "  %-45s %s%n", HandoffTimeline.SEGMENTS[s][0],
                    values.length == 0 ? "not seen" : Stats.of(values).millis());
        }
        System.out.printf(Locale.ROOT, "%nHandoffs over %d ms: %d%n", SLOW_MILLIS, slow.size());
        slow.forEach(System.out::print);
    }

    /**
     * The handoff's instants: the benchmark's (SIGTERM, the clients' events and answers) and the two
     * sidecars' from their logs; waits up to 2 s for the new leader's line to be pumped.
     */
    private static HandoffTimeline timeline(long termNanos, ClaimClient old, ClaimClient next,
            ClaimClient.Grant grant, SidecarProcess victim) throws InterruptedException {
        HandoffTimeline t = new HandoffTimeline().at("SIGTERM sent", termNanos)
                .at("old client: RELEASING event",
                        old.eventAfter(termNanos, "RELEASING").map(ClaimClient.Event::receivedNanos).orElse(0L))
                .at("old client: DELETE sent", old.returnSentNanos())
                .at("old client: DELETE answered", old.returnedNanos())
                .at("new client: LEADER event",
                        next.eventAfter(termNanos, "LEADER").map(ClaimClient.Event::receivedNanos).orElse(0L))
                .at("new client: POST sent", grant.sentNanos())
                .at("new client: POST answered", grant.receivedNanos())
                .oldLeaderLog(victim.stderrLines());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!t.newLeaderLog(next.sidecar().stderrLines(), termNanos) && System.nanoTime() - end < 0) {
            Thread.sleep(5); // the log pump is a thread of its own
        }
        return t;
    }

    /**
     * Waits until one client holds a claim and every other client's event stream is connected, so
     * that the next handoff starts from the steady state; returns the claim holder's slot.
     */
    private static int awaitSteadyLeader(ClaimClient[] clients) throws InterruptedException {
        long end = System.nanoTime() + PATIENCE_NANOS;
        while (System.nanoTime() - end < 0) {
            int holder = -1;
            boolean allConnected = true;
            for (int slot = 0; slot < clients.length; slot++) {
                allConnected &= clients[slot].connected();
                if (clients[slot].holding()) {
                    holder = slot;
                }
            }
            if (holder >= 0 && allConnected) {
                return holder;
            }
            Thread.sleep(10); // benchmark polling
        }
        throw new IllegalStateException("no client held a claim with every stream connected within 60 s");
    }
}
