package dev.schedlock.charts;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code /usr/bin/prometheus} on 127.0.0.1 with a config the test writes, its data in a
 * temporary directory; the HTTP API for queries, rules and alerts.
 */
final class RealPrometheus implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final String base;
    private final Path log;

    private RealPrometheus(Process process, int port, Path log) {
        this.process = process;
        this.base = "http://127.0.0.1:" + port;
        this.log = log;
    }

    /** Starts Prometheus with {@code config} (YAML) in {@code dir}. */
    static RealPrometheus start(Path dir, String config) throws IOException {
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        int port = freePort();
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(Tools.prometheus().toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new RealPrometheus(process, port, log);
    }

    /** True once Prometheus answers /-/ready with 200. */
    boolean ready() {
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** An instant query's result vector: one entry per series, with its labels and value. */
    List<Sample> query(String promql) throws IOException, InterruptedException {
        JsonNode data = api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        List<Sample> samples = new ArrayList<>();
        for (JsonNode series : data.path("result")) {
            Map<String, String> labels = new java.util.TreeMap<>();
            series.path("metric").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
            samples.add(new Sample(labels, series.path("value").path(1).asText()));
        }
        return samples;
    }

    /** The label sets of the series {@code selector} matches now. */
    JsonNode series(String selector) throws IOException, InterruptedException {
        return api("/api/v1/series?match[]=" + URLEncoder.encode(selector, StandardCharsets.UTF_8));
    }

    /** {@code data} of /api/v1/rules: the groups, each rule with its health and last error. */
    JsonNode rules() throws IOException, InterruptedException {
        return api("/api/v1/rules");
    }

    /** {@code data.alerts} of /api/v1/alerts: pending and firing alerts. */
    JsonNode alerts() throws IOException, InterruptedException {
        return api("/api/v1/alerts").path("alerts");
    }

    private JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = get(pathAndQuery);
        JsonNode body = MonitoringQueries.JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new AssertionError("Prometheus " + pathAndQuery + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return body.path("data");
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return "prometheus at " + base + " (log " + log + ")";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** One series of a query result. */
    record Sample(Map<String, String> labels, String value) {

        double number() {
            return Double.parseDouble(value);
        }
    }
}
