package dev.schedlock.sidecar.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.sidecar.process.Claimant;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Claim churn: several clients of one real sidecar in claims mode claim ({@code POST /v1/claims})
 * and return ({@code DELETE /v1/claims/NAME} with the grant's handle) as fast as they can for a while, with event-stream
 * watchers woken by every change. Counts the requests, the answers, and the requests that failed
 * without an answer, with the JDK client's message.
 *
 * <p>The failures it finds are the JDK client's, not the sidecar's (docs/troubleshooting.md,
 * "HTTP/1.1 header parser received no bytes"): with {@code raw} the requests go straight through
 * the JDK client and fail now and then; with {@code resend} they go through the tests' helper,
 * which sends such a request once more, and the count of resent requests is reported instead.
 *
 * <p>The losses need a fast loop: with 20 watchers parsing every event the clients run at about
 * 3,000 requests/s on two cores and none were lost in 950,000 requests; with none, at 6,400/s,
 * about 8 in a million were (docs/benchmarks.md).
 *
 * <p>Arguments: {@code <sqlite|postgresql> [seconds=60] [clients=4] [watchers=20] [raw|resend]}.
 */
public final class ChurnBench {

    private static final String LOCK = "churn";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChurnBench() {
    }

    /** Per-run counts, shared by the client threads. */
    record Counts(AtomicLong requests, AtomicLong granted, AtomicLong failed, AtomicLong resent, List<String> failures) {

        Counts() {
            this(new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong(), new ArrayList<>());
        }

        void fail(String what) {
            failed.incrementAndGet();
            synchronized (failures) {
                if (failures.size() < 20) {
                    failures.add(what);
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        BenchArgs a = new BenchArgs(args);
        String kind = a.text(0, "sqlite");
        int seconds = a.count(1, 60);
        int clients = a.count(2, 4);
        int watchers = a.count(3, 20);
        String mode = a.text(4, "raw");
        if (!mode.equals("raw") && !mode.equals("resend")) {
            throw new IllegalArgumentException("the fifth argument must be raw or resend, not " + mode);
        }
        boolean resend = mode.equals("resend");
        BenchStores stores = BenchStores.migrated(kind);
        Counts counts = run(stores, seconds, clients, watchers, resend);
        System.out.printf(Locale.ROOT, "%n## Claim churn, %s, %d clients, %d watchers, %d s, %s (load %s)%n%n", kind,
                clients, watchers, seconds, resend ? "resending a request whose answer was lost"
                        : Boolean.getBoolean("jdk.httpclient.enableAllMethodRetry")
                        ? "JDK client with -Djdk.httpclient.enableAllMethodRetry=true" : "raw JDK client",
                LoadAverage.now());
        long requests = counts.requests().get();
        System.out.printf(Locale.ROOT, "%,d requests (%,.0f/s), %,d claims granted and returned%n", requests,
                requests / (double) seconds, counts.granted().get());
        System.out.printf(Locale.ROOT, "failed without an answer: %d (%.2f per million); resent: %d%n",
                counts.failed().get(), counts.failed().get() * 1e6 / Math.max(1, requests), counts.resent().get());
        counts.failures().forEach(f -> System.out.println("  " + f));
    }

    static Counts run(BenchStores stores, int seconds, int clients, int watchers, boolean resend) throws Exception {
        Counts counts = new Counts();
        try (SidecarGroup group = new SidecarGroup(stores, LOCK, 1, List.of("--permit-mode", "claims"))) {
            group.startAll();
            SidecarProcess sidecar = group.get(0);
            List<EventStream> streams = new ArrayList<>();
            AtomicLong events = new AtomicLong();
            for (int i = 0; i < watchers; i++) {
                streams.add(EventStream.open(sidecar.controlUri("/"), "watcher-" + i, (view, at) -> events.incrementAndGet()));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String client = "worker-" + i;
                threads.add(BenchHttp.clientThread(client, () -> churn(sidecar, client, end, resend, counts)));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            streams.forEach(EventStream::close);
            if (watchers > 0 && events.get() == 0) {
                throw new IllegalStateException("no watcher saw an event: logs in " + group.dir());
            }
        }
        return counts;
    }

    private static void churn(SidecarProcess sidecar, String client, long end, boolean resend, Counts counts)
            throws InterruptedException {
        URI claims = sidecar.controlUri("/v1/claims");
        URI mine = sidecar.controlUri("/v1/claims/" + client);
        while (System.nanoTime() - end < 0) {
            Answer claimed = send(Claimant.claimRequest(claims, client, null), resend, counts, client + " POST");
            if (claimed.status() == 200) {
                counts.granted().incrementAndGet();
                String handle = handleOf(claimed.body());
                Answer returned = send(Claimant.returnRequest(mine, handle), resend, counts, client + " DELETE");
                if (returned.status() == -1) {
                    // The answer was lost: return it again so that the next claim is not refused for ours.
                    send(Claimant.returnRequest(mine, handle), resend, counts, client + " DELETE again");
                }
            }
        }
    }

    private static String handleOf(String grant) {
        try {
            return JSON.readTree(grant).path("handle").asText();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a grant that is not JSON: " + grant, e);
        }
    }

    /** A status and body; status -1 when the request failed without an answer. */
    private record Answer(int status, String body) {
    }

    private static Answer send(HttpRequest.Builder request, boolean resend, Counts counts,
                               String what) throws InterruptedException {
        counts.requests().incrementAndGet();
        try {
            if (resend) {
                SidecarProcess.Reply reply = SidecarProcess.send(request);
                if (reply.wasResent()) {
                    counts.resent().incrementAndGet();
                }
                return new Answer(reply.status(), reply.body());
            }
            HttpResponse<String> response = BenchHttp.HTTP.send(request.timeout(REQUEST_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            counts.fail(what + ": " + e);
            return new Answer(-1, "");
        }
    }
}
