package dev.schedlock.sidecar.process;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Probes as the kubelet sends them: {@code GET path} on a new connection, one request, a timeout
 * for the whole exchange, at a fixed pace whatever the answers take (probes may overlap).
 */
public final class Probes {

    /** One probe: status 0 and a failure text when no answer came within the timeout. */
    public record Result(String path, int status, long nanos, String failure) {

        public boolean answered() {
            return failure == null;
        }

        @Override
        public String toString() {
            return path + " " + (answered() ? "HTTP " + status : failure) + " after " + nanos / 1_000_000 + " ms";
        }
    }

    private Probes() {
    }

    /**
     * Sends {@code count} probes to {@code server}, one every {@code interval}, taking {@code paths}
     * in turn; returns once every one has answered or timed out, in the order they were sent.
     */
    public static List<Result> run(URI server, List<String> paths, int count, Duration interval, Duration timeout)
            throws InterruptedException {
        ScheduledExecutorService pool = Executors.newScheduledThreadPool(4, r -> {
            Thread t = new Thread(r, "probe");
            t.setDaemon(true);
            return t;
        });
        try {
            List<ScheduledFuture<Result>> pending = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String path = paths.get(i % paths.size());
                pending.add(pool.schedule(() -> probe(server, path, timeout), i * interval.toMillis(),
                        TimeUnit.MILLISECONDS));
            }
            List<Result> results = new ArrayList<>();
            for (ScheduledFuture<Result> probe : pending) {
                results.add(probe.get());
            }
            return results;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One probe, timed from before the connection is opened until the answer is complete. */
    public static Result probe(URI server, String path, Duration timeout) {
        long start = System.nanoTime();
        try {
            RawHttp.Answer answer = RawHttp.send(server, RawHttp.request("GET", path, null,
                    "Host: " + server.getHost() + ":" + server.getPort(), "User-Agent: kube-probe/1.30"), timeout);
            long nanos = System.nanoTime() - start;
            // The socket's timeout bounds each read; the kubelet's bounds the whole probe.
            return nanos > timeout.toNanos() ? new Result(path, answer.status(), nanos, "answered after the timeout")
                    : new Result(path, answer.status(), nanos, null);
        } catch (IOException e) {
            return new Result(path, 0, System.nanoTime() - start, e.toString());
        }
    }
}
