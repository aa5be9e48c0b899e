package dev.schedlock.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The operator's probes and metrics: {@code /healthz} (the process answers), {@code /readyz} (the
 * operator started and its informers are healthy; a replica waiting for leadership is ready too,
 * so that a rollout is not blocked by the standby) and {@code /metrics} (Prometheus text).
 */
final class HealthServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    HealthServer(InetSocketAddress address, BooleanSupplier ready, Supplier<String> metrics) throws IOException {
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "schedlock-operator-health");
            t.setDaemon(true);
            return t;
        });
        server = HttpServer.create(address, 16);
        server.createContext("/healthz", ex -> send(ex, 200, "text/plain", "ok\n"));
        server.createContext("/readyz", ex -> {
            boolean ok = ready.getAsBoolean();
            send(ex, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready: informers not synced or unhealthy\n");
        });
        server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
        server.setExecutor(executor);
    }

    void start() {
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    private static void send(HttpExchange exchange, int code, String type, String body) throws IOException {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
