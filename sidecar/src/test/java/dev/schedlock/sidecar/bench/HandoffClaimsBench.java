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
 * <p>Arguments: {@code <sqlite|postgresql> [samples] [candidates=3] [retry]}. Without a retry
 * interval the sidecars run with every timing at its default (TTL 60 s, heartbeat 10 s, retry
 * 2 s, permit TTL 10 s).
 */
public final class HandoffClaimsBench {

    private static final String LOCK = "handoff-claims";
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);

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
