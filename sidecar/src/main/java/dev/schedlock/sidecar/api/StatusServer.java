package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.schedlock.sidecar.lease.LeaseElector;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Supplier;

/**
 * The status server, on the pod IP: probes, metrics, and a read-only lease view for the operator.
 * It never grants a permit: {@code validForMillis} is always 0 here. Anyone who reaches the pod
 * can read it, so it shows no connection details (store URL, path, user); and since the kubelet
 * and Prometheus reach it by pod IP or service name, it accepts any Host header (it changes
 * nothing, unlike the control API, see {@link LocalRequests}).
 */
public final class StatusServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(StatusServer.class.getName());

    /**
     * Whether the sidecar is ready; {@code ready} false answers 503.
     *
     * @param reason why, shown on {@code /readyz} to anyone who reaches the pod: it must not contain
     *               connection details (store URL or path, user, pod UID); those go to the log
     */
    public record Readiness(boolean ready, String reason) {
    }

    /**
     * Most requests served at once. Probes and scrapes take milliseconds, but a client that sends
     * its request slowly holds a thread until the JDK's request time limit ({@link HttpServers}):
     * with room for 128 of them, the kubelet's probes still find a thread while 64 slow
     * connections are open (docs/decisions/0003-jdk-http-server.md).
     */
    static final int MAX_THREADS = 128;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final ObjectMapper json;
    private final Supplier<Readiness> readiness;
    private final Supplier<String> metrics;
    private volatile LeaseElector elector;

    /**
     * @param readiness store reachable and migrated (leaders and standbys alike)
     * @param metrics   the Prometheus text exposition
     */
    public StatusServer(InetSocketAddress address, Supplier<Readiness> readiness, Supplier<String> metrics,
                        ObjectMapper json) throws IOException {
        this.json = json;
        this.readiness = readiness;
        this.metrics = metrics;
        this.executor = HttpServers.requestThreads("schedlock-status", MAX_THREADS);
        this.server = HttpServers.create(address, 32);
        this.server.createContext("/", this::handle);
        this.server.setExecutor(executor);
    }

    /** The status server starts before the elector exists (probes during migration). */
    public void attach(LeaseElector leaseElector) {
        this.elector = leaseElector;
    }

    public void start() {
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                Exchanges.sendError(exchange, 405, "METHOD_NOT_ALLOWED", "the status server is read-only", json);
                return;
            }
            switch (path) {
                case "/healthz" -> Exchanges.sendText(exchange, 200, "text/plain; charset=utf-8", "ok\n");
                case "/readyz" -> {
                    Readiness r = readiness.get();
                    Exchanges.sendText(exchange, r.ready() ? 200 : 503, "text/plain; charset=utf-8",
                            (r.ready() ? "ready" : "not ready") + ": " + r.reason() + "\n");
                }
                case "/metrics" -> Exchanges.sendText(exchange, 200,
                        "text/plain; version=0.0.4; charset=utf-8", metrics.get());
                case "/v1/lease" -> {
                    LeaseElector current = elector;
                    if (current == null) {
                        Exchanges.sendJson(exchange, 503, new Answers.Starting("STARTING", false, 0), json);
                        return;
                    }
                    LeaseElector.Query answer = current.query(false);
                    Exchanges.sendJson(exchange, 200, LeaseView.of(answer.snapshot(), answer.nowNanos(), 0), json);
                }
                default -> Exchanges.sendError(exchange, 404, "NOT_FOUND", "no such endpoint: " + path
                        + " (try /healthz, /readyz, /metrics, /v1/lease)", json);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "status client went away: {0}", e.getMessage());
        }
    }
}
