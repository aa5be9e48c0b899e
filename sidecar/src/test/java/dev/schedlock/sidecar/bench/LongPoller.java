package dev.schedlock.sidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * An app client that long-polls {@code GET /v1/lease?wait=30s&version=N}, always passing the
 * version of the last answer, and hands every answer, parsed, to a listener with the instants the
 * request was sent and parsing finished (this JVM's monotonic clock).
 */
final class LongPoller implements AutoCloseable {

    interface Listener {
        void answer(JsonNode view, long sentNanos, long receivedNanos);
    }

    private final URI base;
    private final Listener listener;
    private final Thread thread;
    private volatile boolean closed;

    private LongPoller(URI base, String name, Listener listener) {
        this.base = base;
        this.listener = listener;
        this.thread = BenchHttp.clientThread("long-poll-" + name, this::poll);
    }

    static LongPoller start(URI base, String name, Listener listener) {
        LongPoller poller = new LongPoller(base, name, listener);
        poller.thread.start();
        return poller;
    }

    private void poll() throws IOException, InterruptedException {
        // The first request asks for the current state (no wait), the others wait for a change.
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/lease")).build();
        while (!closed) {
            long sent = System.nanoTime();
            HttpResponse<String> response = BenchHttp.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode view = BenchHttp.parse(response.body());
            long received = System.nanoTime();
            listener.answer(view, sent, received);
            request = HttpRequest.newBuilder(base.resolve("/v1/lease?wait=30s&version="
                    + view.path("version").asLong())).timeout(Duration.ofSeconds(40)).build();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
