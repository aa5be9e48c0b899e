package dev.schedlock.sidecar.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One candidate of the Fabric8 anchor, in its own JVM: Fabric8's {@code LeaderElector} with a
 * {@code LeaseLock} and {@code releaseOnCancel}, as an application would run it. It prints one
 * line per event, {@code EVENT <kind> <identity> <System.nanoTime()>}, which the benchmark reads:
 * {@code READY} (electing), {@code LEADING} ({@code onStartLeading}), {@code STOPPED}
 * ({@code onStopLeading}), {@code RELEASED} (SIGTERM: the shutdown hook cancelled the elector,
 * which released the Lease) and {@code LOST} (the election ended without being asked to; the
 * process then halts, as a client-go program that loses its lease exits).
 *
 * <p>Arguments: {@code <api server url> <identity> <LEASE_MS:RENEW_DEADLINE_MS:RETRY_MS>}.
 */
public final class K8sCandidate {

    static final String NAMESPACE = "default";
    static final String LEASE = "anchor";
    static final String EVENT = "EVENT ";

    private K8sCandidate() {
    }

    public static void main(String[] args) throws InterruptedException {
        String url = args[0];
        String identity = args[1];
        ElectionTimings timings = ElectionTimings.parse(args[2]);
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url).withNamespace(NAMESPACE).build();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        CompletableFuture<?> election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(LEASE)
                .withLock(new LeaseLock(NAMESPACE, LEASE, identity))
                .withLeaseDuration(timings.lease())
                .withRenewDeadline(timings.renewDeadline())
                .withRetryPeriod(timings.retry())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> emit("LEADING", identity),
                        () -> emit("STOPPED", identity), newLeader -> { }))
                .build()).build().start();
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            // With releaseOnCancel, cancelling writes the released Lease before it returns.
            election.cancel(true);
            emit("RELEASED", identity);
        }, "release-on-sigterm"));
        election.whenComplete((v, e) -> {
            if (!stopping.get()) {
                emit("LOST", identity);
                Runtime.getRuntime().halt(3);
            }
        });
        emit("READY", identity);
        new CountDownLatch(1).await(); // runs until SIGTERM or SIGKILL
    }

    private static void emit(String kind, String identity) {
        long now = System.nanoTime();
        System.out.println(EVENT + kind + " " + identity + " " + now);
        System.out.flush();
    }
}
