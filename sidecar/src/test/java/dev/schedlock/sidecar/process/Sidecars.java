package dev.schedlock.sidecar.process;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The sidecars of one test, all on one SQLite file in the test's directory, with short timings.
 * Closing it kills every one of them (continuing paused ones first).
 */
final class Sidecars implements AutoCloseable {

    static final Duration TTL = Duration.ofSeconds(2);
    static final Duration HEARTBEAT = Duration.ofMillis(500);
    static final Duration PERMIT_TTL = Duration.ofSeconds(1);
    /** TTL 2 s, heartbeat 500 ms, retry 200 ms, permit 1 s: every lease event within seconds. */
    static final List<String> FAST_TIMING = List.of("--ttl", "2s", "--heartbeat-interval", "500ms",
            "--retry-interval", "200ms", "--permit-ttl", "1s");
    /** Generous: a loaded 2-core machine runs these JVMs side by side. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private final Path dir;
    private final StoreFile store;
    private final List<SidecarProcess> started = new ArrayList<>();

    Sidecars(Path dir) {
        this.dir = dir;
        this.store = new StoreFile(dir.resolve("lease.db"));
    }

    Path dir() {
        return dir;
    }

    StoreFile store() {
        return store;
    }

    /** The arguments of {@code run} on this group's store, fast timing, ports chosen by the system. */
    List<String> runArgs(String podName, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--store", store.url(), "--pod-name", podName,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
        args.addAll(FAST_TIMING);
        args.addAll(List.of(extra));
        return args;
    }

    /** Starts {@code run} without waiting for it; see {@link SidecarProcess#awaitListening()}. */
    SidecarProcess launch(String podName, String... extra) throws IOException {
        SidecarProcess p = SidecarProcess.start(podName, dir, runArgs(podName, extra));
        started.add(p);
        return p;
    }

    /** Starts one sidecar and waits until its control API listens. */
    SidecarProcess start(String podName, String... extra) throws IOException, InterruptedException {
        return launch(podName, extra).awaitListening();
    }

    /** Starts one sidecar with its own timing instead of the fast one, and waits until it listens. */
    SidecarProcess startWith(String podName, List<String> timing) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("run", "--store", store.url(), "--pod-name", podName,
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0"));
        args.addAll(timing);
        SidecarProcess p = SidecarProcess.start(podName, dir, args);
        started.add(p);
        return p.awaitListening();
    }

    /** Starts several at (nearly) the same instant, then waits until all of them listen. */
    List<SidecarProcess> startAll(String... podNames) throws IOException, InterruptedException {
        List<SidecarProcess> group = new ArrayList<>();
        for (String name : podNames) {
            group.add(launch(name));
        }
        for (SidecarProcess p : group) {
            p.awaitListening();
        }
        return group;
    }

    /** Runs a one-shot command of the jar to its end. */
    SidecarProcess.Finished run(String name, String... args) throws IOException, InterruptedException {
        return SidecarProcess.run(name, dir, List.of(args));
    }

    /** Waits until one of {@code candidates} answers with a permit, and returns it. */
    SidecarProcess awaitLeader(Collection<SidecarProcess> candidates) {
        return await("a leader among " + candidates).atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> candidates.stream().filter(Sidecars::holdsPermit).findFirst(), Optional::isPresent)
                .orElseThrow();
    }

    /** Waits until {@code p} reports that it leads, with or without a permit (claims mode has none on GET). */
    static void awaitLeading(SidecarProcess p) {
        awaitLeading(p, PATIENCE);
    }

    /** Waits at most {@code within} until {@code p} reports that it leads. */
    static void awaitLeading(SidecarProcess p, Duration within) {
        await(p + " leads").atMost(within).pollInterval(Duration.ofMillis(50))
                .until(() -> tryLease(p).map(l -> l.path("leader").asBoolean()).orElse(false));
    }

    /** The lease as {@code p} answers it now, or empty when it does not answer (dead, paused). */
    static Optional<JsonNode> tryLease(SidecarProcess p) {
        if (!p.isAlive()) {
            return Optional.empty();
        }
        try {
            return Optional.of(p.lease());
        } catch (IOException | AssertionError e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static boolean holdsPermit(SidecarProcess p) {
        return tryLease(p).map(l -> l.path("leader").asBoolean() && l.path("validForMillis").asLong() > 0)
                .orElse(false);
    }

    static List<SidecarProcess> others(List<SidecarProcess> all, SidecarProcess not) {
        return all.stream().filter(p -> p != not).toList();
    }

    /** Every line any of the sidecars logged at WARN or ERROR, for "nothing went wrong" checks. */
    List<String> warnings() {
        return started.stream().flatMap(p -> p.stderrLines().stream()
                .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).map(l -> p.name() + ": " + l))
                .toList();
    }

    String describe() {
        return String.join("\n", Stream.concat(Stream.of("store " + store.path()),
                started.stream().map(SidecarProcess::describe)).toList());
    }

    @Override
    public void close() {
        for (SidecarProcess p : started) {
            p.close();
        }
    }
}
