package dev.schedlock.operator.reconciler;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Sidecars' answers by pod IP, set by the test; an unknown IP does not answer. */
final class FakeLeaseStatus implements LeaseStatusClient {

    private final Map<String, LeaseReport> byIp = new ConcurrentHashMap<>();
    private final AtomicInteger fetches = new AtomicInteger();

    void leader(String ip, String pod, long token) {
        byIp.put(ip, new LeaseReport("jobs.x", "LEADER", true, token, new LeaseReport.Holder(pod + "/uid/n", pod, pod),
                token));
    }

    void standby(String ip, String leaderPod, long token) {
        byIp.put(ip, new LeaseReport("jobs.x", "STANDBY", false, token,
                new LeaseReport.Holder(leaderPod + "/uid/n", leaderPod, leaderPod), token));
    }

    int fetches() {
        return fetches.get();
    }

    @Override
    public CompletableFuture<Optional<LeaseReport>> fetch(String ip, int port) {
        fetches.incrementAndGet();
        return CompletableFuture.completedFuture(Optional.ofNullable(byIp.get(ip)));
    }
}
