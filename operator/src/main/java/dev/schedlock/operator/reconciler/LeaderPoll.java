package dev.schedlock.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Asks every pod's sidecar who leads, in parallel, and picks the leader from the answers. */
public final class LeaderPoll {

    /** One pod's answer. */
    public record PodReport(String pod, LeaseReport report) {
    }

    /**
     * What the pods said.
     *
     * @param leader    the pod that reports holding the lease, if any
     * @param reporting how many pods answered
     */
    public record Result(Optional<PodReport> leader, int reporting) {
    }

    private final LeaseStatusClient client;
    private final Duration deadline;

    public LeaderPoll(LeaseStatusClient client, Duration deadline) {
        this.client = client;
        this.deadline = deadline;
    }

    /** Polls the pods that have an IP, on {@code statusPort}. */
    public Result poll(List<Pod> pods, int statusPort) {
        Map<String, CompletableFuture<Optional<LeaseReport>>> pending = new LinkedHashMap<>();
        for (Pod pod : pods) {
            String ip = pod.getStatus() != null ? pod.getStatus().getPodIP() : null;
            if (ip != null && !ip.isBlank()) {
                pending.put(pod.getMetadata().getName(), client.fetch(ip, statusPort));
            }
        }
        List<PodReport> reports = new ArrayList<>();
        pending.forEach((pod, future) -> {
            try {
                future.get(deadline.toMillis(), TimeUnit.MILLISECONDS)
                        .ifPresent(report -> reports.add(new PodReport(pod, report)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                future.cancel(true); // counts as no answer
            }
        });
        return new Result(pick(reports), reports.size());
    }

    /**
     * The leader among the reports. Pods are asked one after another, not at one instant, so an old
     * leader asked just before its lease ended and the new one asked just after may both say
     * {@code leader}; the higher fencing token is the later lease.
     */
    static Optional<PodReport> pick(List<PodReport> reports) {
        return reports.stream()
                .filter(r -> r.report().leader())
                .max(Comparator.comparingLong(r -> r.report().fencingToken()));
    }
}
