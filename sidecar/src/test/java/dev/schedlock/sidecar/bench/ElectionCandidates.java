package dev.schedlock.sidecar.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The candidate JVMs of the Fabric8 anchor ({@link K8sCandidate}), started with this JVM's class
 * path, and every event they printed. Event times are their {@code System.nanoTime()}: on Linux
 * that is CLOCK_MONOTONIC, one clock for all processes of the machine, so they compare with this
 * JVM's readings. Faults are real signals, sent through {@link ProcessHandle} (SIGKILL, SIGTERM):
 * {@link Process#destroy()} would also close the pipe and lose what the candidate prints while it stops.
 */
final class ElectionCandidates implements AutoCloseable {

    /** A small JVM: a candidate needs no more, and two cores run several. */
    private static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xss512k", "-Xmx128m");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /** One line a candidate printed. */
    record Event(String kind, String identity, long nanos) {
    }

    private final String apiUrl;
    private final ElectionTimings timings;
    private final Path logDir;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final List<Event> events = new ArrayList<>();
    private int started;

    ElectionCandidates(String apiUrl, ElectionTimings timings) throws IOException {
        this.apiUrl = apiUrl;
        this.timings = timings;
        this.logDir = Files.createTempDirectory("schedlock-k8s-election");
    }

    /** Starts one more candidate and waits until it elects; returns its identity. */
    String startOne() throws IOException, InterruptedException {
        String identity = "candidate-" + (++started);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(JVM_FLAGS);
        command.add("-cp");
        command.add(classPath());
        command.add(K8sCandidate.class.getName());
        command.add(apiUrl);
        command.add(identity);
        command.add(timings.argument());
        Process process = new ProcessBuilder(command)
                .redirectError(logDir.resolve(identity + ".stderr").toFile())
                .start();
        synchronized (events) {
            processes.put(identity, process);
        }
        Thread pump = new Thread(() -> pump(process), "events-" + identity);
        pump.setDaemon(true);
        pump.start();
        await(e -> e.kind().equals("READY") && e.identity().equals(identity), 0, START_TIMEOUT);
        return identity;
    }

    /** Failsafe runs tests from a manifest-only jar and names the real class path in this property. */
    private static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private void pump(Process process) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(K8sCandidate.EVENT)) {
                    String[] parts = line.substring(K8sCandidate.EVENT.length()).split(" ");
                    synchronized (events) {
                        events.add(new Event(parts[0], parts[1], Long.parseLong(parts[2])));
                        events.notifyAll();
                    }
                }
            }
        } catch (IOException e) {
            if (process.isAlive()) {
                throw new UncheckedIOException(e);
            } // else: closed by close(), after the candidate was killed
        }
    }

    /**
     * The first event at or after {@code sinceNanos} that matches, waiting up to {@code timeout};
     * fails with the candidates' log folder if none comes.
     */
    Event await(Predicate<Event> matching, long sinceNanos, Duration timeout) throws InterruptedException {
        return awaitFound(() -> events.stream().filter(e -> e.nanos() >= sinceNanos && matching.test(e)).findFirst()
                .orElse(null), timeout, "no such event");
    }

    /** Starts candidates until {@code count} are running (one that lost its lease halts). */
    void topUp(int count) throws IOException, InterruptedException {
        while (running() < count) {
            startOne();
        }
    }

    private long running() {
        synchronized (events) {
            return processes.values().stream().filter(Process::isAlive).count();
        }
    }

    /** The running candidate that most recently started leading and has not stopped since. */
    String awaitLeader(Duration timeout) throws InterruptedException {
        return awaitFound(this::leader, timeout, "no leader");
    }

    /** Waits until {@code found} (called holding the event list's lock) answers non-null. */
    private <T> T awaitFound(Supplier<T> found, Duration timeout, String failure) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (true) {
                T result = found.get();
                if (result != null) {
                    return result;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(failure + " within " + timeout.toSeconds() + " s; events: "
                            + events + "; candidate logs in " + logDir);
                }
                events.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private String leader() {
        for (int i = events.size() - 1; i >= 0; i--) {
            Event e = events.get(i);
            if (e.kind().equals("LEADING")) {
                boolean stoppedSince = events.subList(i + 1, events.size()).stream().anyMatch(later ->
                        later.identity().equals(e.identity()) && Set.of("STOPPED", "LOST").contains(later.kind()));
                return stoppedSince || !processes.get(e.identity()).isAlive() ? null : e.identity();
            }
        }
        return null;
    }

    /** Events of one kind, for the report (e.g. leadership lost without a fault). */
    long count(String kind) {
        synchronized (events) {
            return events.stream().filter(e -> e.kind().equals(kind)).count();
        }
    }

    /** kill -9: the Lease keeps its holder until it expires. */
    void kill9(String identity) throws InterruptedException {
        Process p = process(identity);
        p.toHandle().destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the candidate's shutdown hook cancels its elector, which releases the Lease. */
    void sigterm(String identity) {
        process(identity).toHandle().destroy();
    }

    void awaitExit(String identity) throws InterruptedException {
        Process p = process(identity);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(identity + " did not exit after SIGTERM; log in " + logDir);
        }
    }

    private Process process(String identity) {
        synchronized (events) {
            return processes.get(identity);
        }
    }

    /** Kills every candidate still running. */
    @Override
    public void close() throws InterruptedException {
        List<Process> all;
        synchronized (events) {
            all = List.copyOf(processes.values());
        }
        for (Process p : all) {
            p.destroyForcibly();
        }
        for (Process p : all) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
