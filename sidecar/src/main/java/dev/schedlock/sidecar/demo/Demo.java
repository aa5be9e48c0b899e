package dev.schedlock.sidecar.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.sidecar.store.HistoryEntry;
import dev.schedlock.sidecar.store.LeaseStore;
import dev.schedlock.sidecar.store.StoreSettings;
import dev.schedlock.sidecar.store.jdbc.LeaseStores;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The README's first command: three real sidecar processes on one SQLite file, each with a small
 * scheduler client that runs a "job" every half second while it holds a permit. It prints who
 * runs jobs with which token, kills the leader with SIGKILL, shows the takeover after the TTL,
 * hands over gracefully once with SIGTERM, and stops by itself.
 */
public final class Demo {

    private static final Duration TTL = Duration.ofSeconds(3);

    private final Path dir;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final long startNanos = System.nanoTime();
    private final List<Member> members = new ArrayList<>();
    private volatile String runningNow;
    private volatile long lastToken;
    private volatile boolean overlapSeen;
    private volatile boolean tokenRegressed;
    private int jobs;

    public Demo(Path dir) {
        this.dir = dir;
    }

    public int run() throws Exception {
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("schedlock-demo");
        Path db = work.resolve("lease.db");
        say("database " + db + ", logs in " + work);
        say("3 sidecars, ttl 3s, heartbeat 1s, retry 250ms, permit 1s; each client runs a job every 500 ms"
                + " while its sidecar gives it a permit");
        for (int i = 1; i <= 3; i++) {
            members.add(Member.start("sidecar-" + i, db, work));
        }
        for (Member m : members) {
            m.awaitControlAddress();
        }
        say("all three started at the same instant; exactly one may lead");

        Thread clients = new Thread(this::runClients, "demo-clients");
        clients.setDaemon(true);
        clients.start();

        Member first = awaitLeader(null, Duration.ofSeconds(30));
        watch(Duration.ofSeconds(4));

        say(">>> kill -9 " + first.name + " (the leader): its row stays until the TTL (" + TTL.toSeconds()
                + "s) runs out");
        long killedAt = System.nanoTime();
        first.process.destroyForcibly();
        Member second = awaitLeader(first, Duration.ofSeconds(30));
        say(String.format(Locale.ROOT, ">>> %s took over %.1fs after the kill (TTL %ds), with a higher token",
                second.name, (System.nanoTime() - killedAt) / 1e9, TTL.toSeconds()));
        watch(Duration.ofSeconds(4));

        say(">>> SIGTERM " + second.name + ": it stops granting, waits for its permits to expire, releases");
        long termAt = System.nanoTime();
        second.process.destroy();
        Member third = awaitLeader(second, Duration.ofSeconds(30));
        say(String.format(Locale.ROOT, ">>> %s leads %.1fs after the SIGTERM: no TTL wait", third.name,
                (System.nanoTime() - termAt) / 1e9));
        second.process.waitFor(10, TimeUnit.SECONDS);
        say(second.name + " exited with code " + second.process.exitValue());
        watch(Duration.ofSeconds(3));

        for (Member m : members) {
            m.process.destroy();
        }
        for (Member m : members) {
            m.process.waitFor(20, TimeUnit.SECONDS);
        }
        printHistory(db);
        say(String.format(Locale.ROOT, "done: %d jobs ran; overlapping permits seen: %s; token went down: %s",
                jobs, overlapSeen ? "YES" : "none", tokenRegressed ? "YES" : "never"));
        return overlapSeen || tokenRegressed ? 1 : 0;
    }

    /** Every 500 ms each client asks its sidecar; whoever holds a permit "runs a job". */
    private void runClients() {
        while (true) {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (Member m : members) {
                answers.add(ask(m));
            }
            List<String> holders = new ArrayList<>();
            for (CompletableFuture<String> a : answers) {
                String holder = a.join();
                if (holder != null) {
                    holders.add(holder);
                }
            }
            if (holders.size() > 1) {
                overlapSeen = true;
                say("!!! two permits at once: " + holders);
            }
            runningNow = holders.isEmpty() ? null : holders.get(0);
            try {
                Thread.sleep(500); // the demo client's own job schedule
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private CompletableFuture<String> ask(Member m) {
        if (m.control == null || !m.process.isAlive()) {
            return CompletableFuture.completedFuture(null);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + m.control + "/v1/lease"))
                .timeout(Duration.ofSeconds(1)).GET().build(); // one permit TTL: a slower answer is no job
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            try {
                JsonNode lease = json.readTree(r.body());
                if (lease.path("validForMillis").asLong() <= 0) {
                    return null;
                }
                long token = lease.path("fencingToken").asLong();
                if (token < lastToken) {
                    tokenRegressed = true;
                }
                lastToken = token;
                synchronized (this) {
                    jobs++;
                    say(String.format(Locale.ROOT, "%-10s runs job #%-3d with fencing token %d", m.name, jobs, token));
                }
                return m.name;
            } catch (IOException e) {
                return null;
            }
        }).exceptionally(e -> null);
    }

    private Member awaitLeader(Member notThis, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String name = runningNow;
            if (name != null && (notThis == null || !name.equals(notThis.name))) {
                for (Member m : members) {
                    if (m.name.equals(name)) {
                        return m;
                    }
                }
            }
            Thread.sleep(50); // polling the demo's own client state
        }
        throw new IllegalStateException("no new leader within " + timeout.toSeconds() + "s; see the logs in " + dir);
    }

    private void watch(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis()); // let the audience watch jobs run
    }

    private void printHistory(Path db) {
        try (LeaseStore store = LeaseStores.open(new StoreSettings("jdbc:sqlite:" + db, null, null,
                Duration.ofSeconds(5)))) {
            List<HistoryEntry> history = store.recentHistory("default", 20);
            say("lease history (oldest first), from `schedlock-sidecar history`:");
            for (int i = history.size() - 1; i >= 0; i--) {
                HistoryEntry e = history.get(i);
                System.out.printf(Locale.ROOT, "           %-12s token %-3d %s%n", e.kind().dbValue(), e.fencingToken(),
                        e.holderPod());
            }
        }
    }

    private void say(String line) {
        System.out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - startNanos) / 1e9, line);
        System.out.flush();
    }

    /** One sidecar process. */
    private static final class Member {
        final String name;
        final Process process;
        volatile String control;
        private final Path readyFile;

        private Member(String name, Process process, Path readyFile) {
            this.name = name;
            this.process = process;
            this.readyFile = readyFile;
        }

        static Member start(String name, Path db, Path work) throws IOException {
            Path ready = work.resolve(name + ".ready.json");
            Files.deleteIfExists(ready); // one of an earlier demo in the same directory
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                    "-cp", System.getProperty("java.class.path"), "dev.schedlock.sidecar.cli.SidecarMain", "run",
                    "--store", "jdbc:sqlite:" + db, "--pod-name", name,
                    "--ttl", "3s", "--heartbeat-interval", "1s", "--retry-interval", "250ms", "--permit-ttl", "1s",
                    "--drain-timeout", "3s", "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0",
                    "--ready-file", ready.toString());
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            Member m = new Member(name, p, ready);
            Path log = work.resolve(name + ".log");
            Thread pump = new Thread(() -> m.pump(log), name + "-log");
            pump.setDaemon(true);
            pump.start();
            return m;
        }

        private void pump(Path log) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8)); var out = Files.newBufferedWriter(log)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                }
            } catch (IOException e) {
                // The member is gone; awaitControlAddress says so.
            }
        }

        /** Reads the member's ready file once it is written (within 20 s). */
        void awaitControlAddress() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(readyFile)) {
                if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                    throw new IOException(name + " did not start (see its log)");
                }
                Thread.sleep(20); // a demo waiting for its child process, not a test wait
            }
            control = new ObjectMapper().readTree(readyFile.toFile()).path("controlAddress").asText();
        }
    }
}
