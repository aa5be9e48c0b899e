package dev.schedlock.operator.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link LeaseStatusClient} over HTTP with a short timeout: a hung pod must not stall a reconcile. */
public final class HttpLeaseStatusClient implements LeaseStatusClient {

    private static final Logger LOG = LoggerFactory.getLogger(HttpLeaseStatusClient.class);

    private final HttpClient http;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper();

    public HttpLeaseStatusClient(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public CompletableFuture<Optional<LeaseReport>> fetch(String ip, int port) {
        String host = ip.contains(":") ? "[" + ip + "]" : ip; // IPv6 pod IPs
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/v1/lease"))
                .timeout(timeout).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> parse(ip, response))
                .exceptionally(e -> {
                    LOG.debug("lease status of {} unavailable: {}", ip, e.toString());
                    return Optional.empty();
                });
    }

    private Optional<LeaseReport> parse(String ip, HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            LOG.debug("lease status of {} answered {}", ip, response.statusCode());
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(response.body(), LeaseReport.class));
        } catch (IOException e) {
            LOG.warn("lease status of {} is not the expected JSON: {}", ip, e.getMessage());
            return Optional.empty();
        }
    }
}
