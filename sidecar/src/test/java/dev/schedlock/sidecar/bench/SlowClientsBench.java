package dev.schedlock.sidecar.bench;

import dev.schedlock.sidecar.process.Probes;
import dev.schedlock.sidecar.process.SidecarProcess;
import dev.schedlock.sidecar.process.SlowClients;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Probes and permit queries while slow clients hold request threads. One real sidecar (SQLite,
 * default timing); for each count of slow connections (each sends its request one byte a second
 * and is reopened when the server drops it) the benchmark sends kubelet-like probes to the status
 * server ({@code /healthz} and {@code /readyz} in turn) while that many slow connections are open
 * there, then permit queries ({@code GET /v1/lease/allowed}) to the control API while as many are
 * open there. Each probe is a new connection with a 2 s timeout; the latency runs from connect to
 * the last byte of the answer.
 *
 * <p>Arguments: {@code [slow connections, comma-separated = 0,64,200] [probes = 200] [interval ms = 100]}.
 */
public final class SlowClientsBench {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private SlowClientsBench() {
    }

    /** The probes of one server with one count of slow connections. */
    record Run(String server, int slow, List<Probes.Result> probes) {

        long failed() {
            return probes.stream().filter(p -> !p.answered() || p.status() != 200).count();
        }

        /** Latencies of the probes that were answered (some must have been). */
        Stats stats() {
            return Stats.of(probes.stream().filter(Probes.Result::answered).mapToLong(Probes.Result::nanos).toArray());
        }
    }

    public static void main(String[] args) throws Exception {
        BenchArgs a = new BenchArgs(args);
        List<Integer> counts = new ArrayList<>();
        for (String count : a.text(0, "0,64,200").split(",")) {
            counts.add(Integer.parseInt(count.trim()));
        }
        int probes = a.count(1, 200);
        Duration interval = Duration.ofMillis(a.count(2, 100));
        List<Run> runs = run(counts, probes, interval);
        System.out.printf(Locale.ROOT, "%n## Slow clients: %d probes per run, one every %d ms, timeout %d s (load %s)%n%n",
                probes, interval.toMillis(), TIMEOUT.toSeconds(), LoadAverage.now());
        System.out.println("| server, probe | slow connections | p50 | p95 | p99 | max | not answered 200 within 2 s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (Run r : runs) {
            String latencies = r.probes().stream().anyMatch(Probes.Result::answered)
                    ? String.format(Locale.ROOT, "%.1f ms | %.1f ms | %.1f ms | %.1f ms", r.stats().p50() / 1e6,
                            r.stats().p95() / 1e6, r.stats().p99() / 1e6, r.stats().max() / 1e6)
                    : "- | - | - | -";
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %d of %d |%n", r.server(), r.slow(), latencies, r.failed(),
                    r.probes().size());
        }
    }

    static List<Run> run(List<Integer> counts, int probes, Duration interval) throws Exception {
        List<Run> runs = new ArrayList<>();
        try (SidecarGroup group = new SidecarGroup(BenchStores.migrated("sqlite"), "slow-clients", 1, List.of())) {
            group.startAll();
            SidecarProcess sidecar = group.get(0);
            while (!sidecar.lease().path("leader").asBoolean()) {
                Thread.sleep(10); // benchmark polling until the sidecar leads
            }
            for (int slow : counts) {
                runs.add(new Run("status server, /healthz and /readyz", slow,
                        probe(sidecar.statusUri(""), List.of("/healthz", "/readyz"), slow, probes, interval)));
                runs.add(new Run("control API, GET /v1/lease/allowed", slow,
                        probe(sidecar.controlUri(""), List.of("/v1/lease/allowed"), slow, probes, interval)));
            }
        }
        return runs;
    }

    private static List<Probes.Result> probe(URI server, List<String> paths, int slow, int probes, Duration interval)
            throws InterruptedException {
        try (SlowClients clients = SlowClients.open(server, slow, Duration.ofSeconds(1))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (clients.open() < slow && System.nanoTime() - deadline < 0) {
                Thread.sleep(10); // benchmark waiting until the slow connections are open
            }
            return Probes.run(server, paths, probes, interval, TIMEOUT);
        }
    }
}
