package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.store.HistoryEntry;
import dev.schedlock.sidecar.store.StoreException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.IntFunction;
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
    /** The lock's newest transitions from the store; null until the store is migrated. */
    private volatile IntFunction<List<HistoryEntry>> history;
    /** One history query at a time: the store serves the elector's renewals from the same connection. */
    private final Semaphore historyQueries = new Semaphore(1);

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

    /** @param recentHistory the newest N transitions of this sidecar's lock, newest first */
    public void attachHistory(IntFunction<List<HistoryEntry>> recentHistory) {
        this.history = recentHistory;
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
                case "/v1/history" -> sendHistory(exchange);
                default -> Exchanges.sendError(exchange, 404, "NOT_FOUND", "no such endpoint: " + path
                        + " (try /healthz, /readyz, /metrics, /v1/lease, /v1/history)", json);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "status client went away: {0}", e.getMessage());
        }
    }

    /** {@code GET /v1/history?limit=N}: 1 to {@link HistoryView#MAX_LIMIT}, default {@link HistoryView#DEFAULT_LIMIT}. */
    private void sendHistory(HttpExchange exchange) throws IOException {
        String limitParam = Exchanges.query(exchange).get("limit");
        int limit;
        try {
            limit = limitParam == null ? HistoryView.DEFAULT_LIMIT : Integer.parseInt(limitParam);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > HistoryView.MAX_LIMIT) {
            Exchanges.sendError(exchange, 400, "BAD_LIMIT", "limit must be a number from 1 to "
                    + HistoryView.MAX_LIMIT + ", not " + Exchanges.printable(limitParam), json);
            return;
        }
        IntFunction<List<HistoryEntry>> current = history;
        LeaseElector leaseElector = elector;
        if (current == null || leaseElector == null) {
            Exchanges.sendError(exchange, 503, "STARTING", "the store is not ready yet", json);
            return;
        }
        if (!historyQueries.tryAcquire()) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            Exchanges.sendError(exchange, 429, "BUSY", "another history query is running; try again", json);
            return;
        }
        List<HistoryEntry> entries;
        try {
            entries = current.apply(limit);
        } catch (StoreException e) {
            LOG.log(Level.WARNING, "history query failed: {0}", e.getMessage());
            Exchanges.sendError(exchange, 503, "STORE_FAILING", "the store did not answer (details in the sidecar log)",
                    json);
            return;
        } finally {
            historyQueries.release();
        }
        Exchanges.sendJson(exchange, 200, HistoryView.of(leaseElector.config().lockName(), entries), json);
    }
}
