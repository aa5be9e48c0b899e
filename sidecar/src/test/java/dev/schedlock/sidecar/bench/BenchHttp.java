package dev.schedlock.sidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;

/** The HTTP client and JSON parser the benchmarks' app clients share (one connection pool, as one app would have). */
final class BenchHttp {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    private BenchHttp() {
    }

    /** What an app client's thread does until its server stops or the benchmark closes it. */
    interface ClientBody {
        void run() throws IOException, InterruptedException;
    }

    /** A daemon thread (not started) that runs {@code body} and ends quietly when the connection does. */
    static Thread clientThread(String name, ClientBody body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (IOException | RuntimeException e) {
                // the server stopped, or the benchmark closed the client
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + body, e);
        }
    }
}
