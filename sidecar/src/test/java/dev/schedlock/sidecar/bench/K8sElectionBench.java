package dev.schedlock.sidecar.bench;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Anchor: Fabric8's {@code LeaderElector} with a {@code LeaseLock} (the Java port of client-go's
 * leader election), {@code releaseOnCancel} on, against Fabric8's mock API server in CRUD mode
 * hosted in this JVM. Every candidate is its own JVM ({@link K8sCandidate}), so a crash is a real
 * kill -9 and the Lease keeps its holder until it expires. Measured, on the machine's monotonic
 * clock shared by all its processes:
 *
 * <ul>
 *   <li>crash failover: kill -9 of the leader → the next candidate's {@code onStartLeading};</li>
 *   <li>graceful handoff: SIGTERM to the leader (its shutdown hook cancels the elector, which
 *       releases the Lease) → the next candidate's {@code onStartLeading}, and from the release
 *       written to that moment.</li>
 * </ul>
 *
 * <p>A replacement candidate is started after each fault, so that the same number always elect.
 *
 * <p>Arguments: {@code <faults of each kind> <defaults|ours|LEASE_MS:RENEW_MS:RETRY_MS> [candidates]}.
 */
public final class K8sElectionBench {

    /** The mock server logs every request at INFO through java.util.logging; keep it quiet. */
    private static final Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

    private K8sElectionBench() {
    }

    public static void main(String[] args) throws Exception {
        int faults = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        ElectionTimings timings = ElectionTimings.parse(args.length > 1 ? args[1] : "ours");
        int candidates = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String loadBefore = LoadAverage.now();
        KubernetesMockServer server = crudServer();
        Rounds rounds = new Rounds(faults);
        try (KubernetesClient client = server.createClient();
             ElectionCandidates pool = new ElectionCandidates(server.url("/"), timings)) {
            while (rounds.crashes < faults) {
                String leader = nextVictim(pool, client, candidates, timings, rounds);
                long killedAt = System.nanoTime();
                pool.kill9(leader);
                rounds.crash[rounds.crashes++] = nextLeader(pool, leader, killedAt, timings).nanos() - killedAt;
            }
            while (rounds.sigterms < faults) {
                String leader = nextVictim(pool, client, candidates, timings, rounds);
                long askedAt = System.nanoTime();
                pool.sigterm(leader);
                long next = nextLeader(pool, leader, askedAt, timings).nanos();
                long releasedAt = pool.await(e -> e.kind().equals("RELEASED") && e.identity().equals(leader), askedAt,
                        waitForLeader(timings)).nanos();
                pool.awaitExit(leader);
                rounds.sigterm[rounds.sigterms] = next - askedAt;
                // The next leader can start before the old one prints RELEASED; that counts as 0.
                rounds.released[rounds.sigterms++] = Math.max(0, next - releasedAt);
            }
            rounds.lost = pool.count("LOST");
        } finally {
            server.destroy();
        }
        report(timings, candidates, rounds, loadBefore);
    }

    /** The measured faults, and those left out. */
    private static final class Rounds {
        final long[] crash;
        final long[] sigterm;
        final long[] released;
        int crashes;
        int sigterms;
        int skipped;
        long lost;

        Rounds(int faults) {
            crash = new long[faults];
            sigterm = new long[faults];
            released = new long[faults];
        }

        /** Counts a round left out; gives up when most are (the machine is too busy for the timings). */
        boolean skip(boolean leaseIsLive) {
            if (leaseIsLive) {
                return false;
            }
            if (++skipped > 3 * crash.length + 3) {
                throw new IllegalStateException(skipped + " leaders had lost their Lease before the fault:"
                        + " the machine is too busy for these timings");
            }
            return true;
        }
    }

    /**
     * Whether {@code leader} still holds an unexpired Lease. Under CPU starvation a leader can miss
     * its renew deadline before the fault; such a round would measure that, not the fault, so it
     * is left out (and counted).
     */
    private static boolean holdsLiveLease(KubernetesClient client, String leader) {
        Lease lease = client.resources(Lease.class).inNamespace(K8sCandidate.NAMESPACE).withName(K8sCandidate.LEASE)
                .get();
        LeaseSpec spec = lease.getSpec();
        return leader.equals(spec.getHolderIdentity())
                && spec.getRenewTime().plusSeconds(spec.getLeaseDurationSeconds()).isAfter(ZonedDateTime.now());
    }

    private static KubernetesMockServer crudServer() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        server.init();
        return server;
    }

    /**
     * Brings the candidates back to {@code candidates} (a replacement for the last fault's
     * victim), lets the leader run for one to two retry periods, so that the fault lands anywhere
     * between two of its renewals (the sleep paces the benchmark; it waits for no condition),
     * and returns the leader, once it is one that holds a live Lease.
     */
    private static String nextVictim(ElectionCandidates pool, KubernetesClient client, int candidates,
            ElectionTimings timings, Rounds rounds) throws Exception {
        while (true) {
            pool.topUp(candidates);
            long retryMs = timings.retry().toMillis();
            Thread.sleep(retryMs + ThreadLocalRandom.current().nextLong(retryMs + 1));
            String leader = pool.awaitLeader(waitForLeader(timings));
            if (!rounds.skip(holdsLiveLease(client, leader))) {
                return leader;
            }
        }
    }

    private static ElectionCandidates.Event nextLeader(ElectionCandidates pool, String old, long since,
            ElectionTimings timings) throws InterruptedException {
        return pool.await(e -> e.kind().equals("LEADING") && !e.identity().equals(old), since, waitForLeader(timings));
    }

    /** Far beyond any expected failover: lease, ten jittered retries, and JVM start-up slack. */
    private static Duration waitForLeader(ElectionTimings timings) {
        return timings.lease().plus(timings.retry().multipliedBy(22)).plusSeconds(30);
    }

    private static void report(ElectionTimings timings, int candidates, Rounds rounds, String loadBefore) {
        double leaseNanos = timings.lease().toNanos();
        System.out.printf(Locale.ROOT, "## Fabric8 LeaderElector anchor, %d candidate JVMs, %s%n%n", candidates,
                timings.describe());
        System.out.printf(Locale.ROOT, "load average before: %s, after: %s%n%n", loadBefore, LoadAverage.now());
        System.out.println("| measured | latency | ÷ leaseDuration |");
        System.out.println("|---|---|---|");
        row("kill -9 of the leader → next onStartLeading", rounds.crash, leaseNanos);
        row("SIGTERM to the leader → next onStartLeading", rounds.sigterm, leaseNanos);
        row("Lease released (cancel returned) → next onStartLeading", rounds.released, leaseNanos);
        System.out.printf(Locale.ROOT, "%nleadership lost without a fault (LOST): %d; faults left out because the"
                + " leader's Lease had already expired: %d%n", rounds.lost, rounds.skipped);
    }

    private static void row(String what, long[] nanos, double leaseNanos) {
        Stats s = Stats.of(nanos);
        System.out.printf(Locale.ROOT, "| %s | %s | p50 %.2f, p95 %.2f, p99 %.2f, max %.2f |%n", what, s.millis(),
                s.p50() / leaseNanos, s.p95() / leaseNanos, s.p99() / leaseNanos, s.max() / leaseNanos);
    }

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.WARNING);
        return logger;
    }
}
