package dev.schedlock.sidecar.process;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** A client of {@code GET /v1/lease/events} (server-sent events) that keeps every lease event it receives. */
final class LeaseEvents implements AutoCloseable {

    private final List<JsonNode> events = new ArrayList<>();
    private final Thread reader;
    private volatile Stream<String> lines;

    private LeaseEvents(SidecarProcess sidecar) {
        HttpRequest request = HttpRequest.newBuilder(sidecar.controlUri("/v1/lease/events")).GET().build();
        this.reader = new Thread(() -> read(request), "events-" + sidecar.name());
        this.reader.setDaemon(true);
    }

    static LeaseEvents open(SidecarProcess sidecar) {
        LeaseEvents events = new LeaseEvents(sidecar);
        events.reader.start();
        return events;
    }

    private void read(HttpRequest request) {
        try {
            HttpResponse<Stream<String>> response =
                    SidecarProcess.HTTP.send(request, HttpResponse.BodyHandlers.ofLines());
            lines = response.body();
            lines.filter(l -> l.startsWith("data:")).forEach(l -> {
                try {
                    JsonNode event = SidecarProcess.JSON.readTree(l.substring("data:".length()));
                    synchronized (events) {
                        events.add(event);
                    }
                } catch (IOException e) {
                    throw new AssertionError("event data is not JSON: " + l, e);
                }
            });
        } catch (IOException | RuntimeException e) {
            // the stream ends when the sidecar stops or the test closes it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<JsonNode> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    Optional<JsonNode> first(Predicate<JsonNode> matching) {
        return events().stream().filter(matching).findFirst();
    }

    @Override
    public void close() {
        Stream<String> open = lines;
        if (open != null) {
            open.close();
        }
        reader.interrupt();
    }
}
