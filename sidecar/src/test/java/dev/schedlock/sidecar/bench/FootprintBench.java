package dev.schedlock.sidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Sidecar footprint: time from process start to leading (first {@code GET /v1/lease} that says
 * {@code leader: true}) and resident memory of the idle leader after it has renewed for a while.
 * Each JVM flag set runs several times on a fresh SQLite file; medians are reported.
 *
 * <p>Arguments: {@code [runs] [java binary] [idle seconds]}; the jar comes from {@code schedlock.sidecar.jar}.
 */
public final class FootprintBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The flags the image uses (sidecar/Dockerfile), with MALLOC_ARENA_MAX=1 in the environment. */
    static final List<String> RECOMMENDED = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss256k",
            "-Xms4m", "-Xmx32m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20",
            "-XX:ReservedCodeCacheSize=8m", "-XX:CICompilerCount=1", "-XX:-UsePerfData");

    private FootprintBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String java = args.length > 1 ? args[1] : ProcessHandle.current().info().command().orElse("java");
        Duration idle = Duration.ofSeconds(args.length > 2 ? Integer.parseInt(args[2]) : 20);
        String jar = System.getProperty("schedlock.sidecar.jar", "sidecar/target/schedlock-sidecar.jar");
        // Application class-data sharing: one training run writes an archive of the classes the
        // sidecar loads (as the image build does), the measured runs map it.
        Path archive = Files.createTempDirectory("schedlock-cds").resolve("sidecar.jsa");
        List<String> training = new ArrayList<>(RECOMMENDED);
        training.add("-XX:ArchiveClassesAtExit=" + archive);
        measure(java, jar, training, Duration.ofSeconds(2));
        List<String> withArchive = new ArrayList<>(RECOMMENDED);
        withArchive.add("-XX:SharedArchiveFile=" + archive);
        List<List<String>> flagSets = List.of(
                List.of(),
                List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"),
                RECOMMENDED,
                withArchive);
        System.out.printf(Locale.ROOT, "## Sidecar footprint (%s, %d runs each, idle %ds before reading RSS)%n%n",
                version(java), runs, idle.toSeconds());
        System.out.println("| JVM flags | start → leader (median, max) | idle leader RSS (median, max) |");
        System.out.println("|---|---|---|");
        for (List<String> flags : flagSets) {
            long[] startNanos = new long[runs];
            long[] rssKb = new long[runs];
            for (int i = 0; i < runs; i++) {
                long[] sample = measure(java, jar, flags, idle);
                startNanos[i] = sample[0];
                rssKb[i] = sample[1];
            }
            Arrays.sort(startNanos);
            Arrays.sort(rssKb);
            System.out.printf(Locale.ROOT, "| `%s` | %.2f s, %.2f s | %.1f MiB, %.1f MiB |%n",
                    flags.isEmpty() ? "(defaults)" : (tuned(flags) ? "MALLOC_ARENA_MAX=1 " : "")
                            + String.join(" ", flags).replace(archive.toString(), "sidecar.jsa"),
                    startNanos[runs / 2] / 1e9, startNanos[runs - 1] / 1e9,
                    rssKb[runs / 2] / 1024.0, rssKb[runs - 1] / 1024.0);
        }
    }

    private static boolean tuned(List<String> flags) {
        return flags.containsAll(RECOMMENDED);
    }

    private static long[] measure(String java, String jar, List<String> flags, Duration idle) throws Exception {
        Path dir = Files.createTempDirectory("schedlock-footprint");
        Path ready = dir.resolve("ready.json");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(flags);
        command.addAll(List.of("-jar", jar, "run", "--store", "jdbc:sqlite:" + dir.resolve("lease.db"),
                "--control-address", "127.0.0.1:0", "--status-address", "127.0.0.1:0",
                "--ttl", "10s", "--heartbeat-interval", "1s", "--permit-ttl", "2s", "--ready-file", ready.toString()));
        long t0 = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (tuned(flags)) {
            // glibc's per-thread malloc arenas cost several MiB of RSS in a JVM for nothing here.
            builder.environment().put("MALLOC_ARENA_MAX", "1");
        }
        Process p = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            JsonNode addresses = awaitReadyFile(p, ready);
            String control = addresses.path("controlAddress").asText();
            String status = addresses.path("statusAddress").asText();
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + control + "/v1/lease")).build();
            long leaderAt;
            while (true) {
                String body = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
                if (body.contains("\"leader\":true")) {
                    leaderAt = System.nanoTime();
                    break;
                }
                Thread.sleep(5); // benchmark polling, not a test wait
            }
            // A scraped idle leader, as in production: Prometheus asks for /metrics now and then.
            HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://" + status + "/metrics")).build();
            http.send(scrape, HttpResponse.BodyHandlers.ofString());
            Thread.sleep(idle.toMillis()); // idle leader: renewing once a second
            http.send(scrape, HttpResponse.BodyHandlers.ofString());
            long rss = rssKb(p.pid());
            return new long[] {leaderAt - t0, rss};
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The sidecar's ready file once it is written (polled: this is a benchmark, not a test). */
    private static JsonNode awaitReadyFile(Process p, Path ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(ready)) {
            if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("sidecar did not write " + ready + " (exit "
                        + (p.isAlive() ? "none" : p.exitValue()) + ")");
            }
            Thread.sleep(5); // benchmark polling, not a test wait
        }
        return JSON.readTree(ready.toFile());
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }

    private static String version(String java) throws Exception {
        Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
        p.waitFor();
        return first.trim();
    }
}
