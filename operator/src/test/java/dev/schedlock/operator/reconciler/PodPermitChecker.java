package dev.schedlock.operator.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The main containers of every simulated pod, as a safety checker: a background thread asks each
 * running pod's sidecar {@code GET /v1/lease} in a loop (at most one request per pod in flight) and
 * keeps the answers, whatever lock or store the pod uses. {@link #overlaps()} lists every instant at
 * which permits of two pods were both usable: one scheduler at a time, across lock changes too.
 *
 * <p>A permit is usable from the moment its answer ARRIVED until {@code sent + validForMillis}
 * (the contract of docs/api.md), and, for a pod with a native sidecar, no longer than its main
 * containers ran ({@link SimPod#mainStoppedFirst()}): the kubelet stops them before the sidecar.
 * Pods being deleted are not asked: their apps are stopping. Fencing tokens are not compared
 * across pods, since each lock counts its own.
 */
final class PodPermitChecker implements AutoCloseable {

    private static final long PACE_MILLIS = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One permit: an answer with {@code validForMillis > 0}. */
    record Permit(SimPod pod, String lockName, long token, long sentNanos, long receivedNanos, long validForMillis) {

        long startNanos() {
            return receivedNanos;
        }

        long endNanos() {
            long end = sentNanos + TimeUnit.MILLISECONDS.toNanos(validForMillis);
            return pod.mainStoppedFirst() && pod.mainStoppedNanos() - end < 0 ? pod.mainStoppedNanos() : end;
        }

        boolean usable() {
            return endNanos() - startNanos() > 0;
        }
    }

    private final Supplier<List<SimPod>> pods;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final Map<SimPod, CompletableFuture<?>> inFlight = new ConcurrentHashMap<>();
    private final List<Permit> permits = new ArrayList<>();
    private final Map<String, Integer> answersByPod = new LinkedHashMap<>();
    private final long startNanos = System.nanoTime();
    private final Thread loop;
    private volatile boolean running = true;

    private PodPermitChecker(Supplier<List<SimPod>> pods) {
        this.pods = pods;
        this.loop = new Thread(this::pollLoop, "pod-permit-checker");
        this.loop.setDaemon(true);
    }

    /** Starts asking every pod that {@code simulator} runs, now and later. */
    static PodPermitChecker watching(PodSimulator simulator) {
        PodPermitChecker checker = new PodPermitChecker(simulator::runningPods);
        checker.loop.start();
        return checker;
    }

    private void pollLoop() {
        while (running) {
            for (SimPod p : pods.get()) {
                CompletableFuture<?> pending = inFlight.get(p);
                if ((pending == null || pending.isDone()) && p.process().isAlive()) {
                    inFlight.put(p, ask(p));
                }
            }
            inFlight.keySet().removeIf(SimPod::terminating);
            try {
                Thread.sleep(PACE_MILLIS); // the loop's own pace, as a busy main container asks
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private CompletableFuture<?> ask(SimPod p) {
        long sent = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + p.ip() + ":" + p.controlPort()
                + "/v1/lease")).timeout(Duration.ofSeconds(1)).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenAccept(response -> record(p, sent, System.nanoTime(), response))
                .exceptionally(e -> null); // not listening yet, or stopped: no permit to give
    }

    private void record(SimPod p, long sent, long received, HttpResponse<String> response) {
        JsonNode lease;
        try {
            lease = response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            lease = null;
        }
        synchronized (permits) {
            answersByPod.merge(p.name(), 1, Integer::sum);
            if (lease != null && lease.path("validForMillis").asLong() > 0) {
                permits.add(new Permit(p, lease.path("lockName").asText(), lease.path("fencingToken").asLong(), sent,
                        received, lease.path("validForMillis").asLong()));
            }
        }
    }

    List<Permit> permits() {
        synchronized (permits) {
            return List.copyOf(permits);
        }
    }

    /**
     * The windows in which two or more pods held a usable permit at once, each with its length and
     * the pods (and their locks); empty when one pod at a time could schedule. Each pod's permits are
     * first joined into the periods it could schedule, then those periods are swept in time order.
     */
    List<String> overlaps() {
        List<long[]> edges = new ArrayList<>(); // {instant, +1 or -1, index of the pod}
        List<Permit> firstOfPod = new ArrayList<>();
        Map<SimPod, List<Permit>> byPod = new LinkedHashMap<>();
        permits().stream().filter(Permit::usable).forEach(p -> byPod.computeIfAbsent(p.pod(), k -> new ArrayList<>()).add(p));
        for (List<Permit> own : byPod.values()) {
            own.sort(Comparator.comparingLong(Permit::startNanos));
            int index = firstOfPod.size();
            firstOfPod.add(own.get(0));
            long from = own.get(0).startNanos();
            long to = own.get(0).endNanos();
            for (Permit p : own) {
                if (p.startNanos() - to > 0) {
                    edges.add(new long[] {from, 1, index});
                    edges.add(new long[] {to, -1, index});
                    from = p.startNanos();
                }
                to = Math.max(to, p.endNanos());
            }
            edges.add(new long[] {from, 1, index});
            edges.add(new long[] {to, -1, index});
        }
        edges.sort(Comparator.<long[]>comparingLong(e -> e[0] - startNanos).thenComparingLong(e -> e[1]));
        List<String> windows = new ArrayList<>();
        Set<Integer> holding = new LinkedHashSet<>();
        Set<Integer> involved = new LinkedHashSet<>();
        long openedAt = 0;
        for (long[] e : edges) {
            if (e[1] > 0) {
                holding.add((int) e[2]);
                if (holding.size() == 2) {
                    openedAt = e[0];
                    involved.clear();
                }
                involved.addAll(holding);
            } else {
                holding.remove((int) e[2]);
                if (holding.size() == 1) {
                    windows.add(String.format("%.1f ms from %s to %s: %s", (e[0] - openedAt) / 1e6, at(openedAt),
                            at(e[0]), involved.stream().map(i -> describe(firstOfPod.get(i))).toList()));
                }
            }
        }
        return windows;
    }

    /** Pods that gave at least one permit, in order of their first. */
    List<String> podsWithPermits() {
        return permits().stream().map(p -> p.pod().name()).distinct().toList();
    }

    private static String describe(Permit p) {
        return p.pod().name() + " (lock " + p.lockName() + ", token " + p.token() + ")";
    }

    private String at(long nanos) {
        return String.format("%.3fs", (nanos - startNanos) / 1e9);
    }

    /** Counts for the test's log line. */
    String summary() {
        synchronized (permits) {
            Map<String, Long> byPod = new LinkedHashMap<>();
            permits.forEach(p -> byPod.merge(p.pod().name(), 1L, Long::sum));
            return answersByPod.values().stream().mapToInt(Integer::intValue).sum() + " answers from "
                    + answersByPod.size() + " pods, permits by pod " + byPod;
        }
    }

    @Override
    public void close() {
        running = false;
        loop.interrupt();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inFlight.values().forEach(f -> f.completeOnTimeout(null, 2, TimeUnit.SECONDS).join());
    }
}
