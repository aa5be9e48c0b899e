package dev.schedlock.sidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;

/**
 * An app client of {@code GET /v1/lease/events} (server-sent events): hands every event, parsed,
 * to a listener together with the instant parsing finished on this JVM's monotonic clock.
 */
final class EventStream implements AutoCloseable {

    interface Listener {
        void event(JsonNode view, long receivedNanos);
    }

    private final Thread reader;
    private volatile Stream<String> lines;
    private volatile boolean closed;

    private EventStream(URI events, String name, Listener listener) {
        HttpRequest request = HttpRequest.newBuilder(events).GET().build();
        this.reader = BenchHttp.clientThread("events-" + name, () -> read(request, listener));
    }

    /** Connects to {@code base + /v1/lease/events} on a thread of its own. */
    static EventStream open(URI base, String name, Listener listener) {
        EventStream stream = new EventStream(base.resolve("/v1/lease/events"), name, listener);
        stream.reader.start();
        return stream;
    }

    private void read(HttpRequest request, Listener listener) throws IOException, InterruptedException {
        HttpResponse<Stream<String>> response = BenchHttp.HTTP.send(request, HttpResponse.BodyHandlers.ofLines());
        lines = response.body();
        if (closed) {
            lines.close();
            return;
        }
        lines.filter(l -> l.startsWith("data:")).forEach(l -> {
            JsonNode view = BenchHttp.parse(l.substring("data:".length()));
            listener.event(view, System.nanoTime());
        });
    }

    @Override
    public void close() {
        closed = true;
        Stream<String> open = lines;
        if (open != null) {
            open.close();
        }
        reader.interrupt();
    }
}
