package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.schedlock.sidecar.lease.ClaimResult;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.PermitMode;
import dev.schedlock.sidecar.lease.Permit;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The localhost control API (docs/api.md): the main container asks whether it may schedule,
 * claims the pod's one executor permit, watches for changes, and asks for a planned step-down.
 * Bound to a loopback address: whoever reaches it can obtain permits.
 *
 * <p>Every malformed request is answered 4xx without touching the lease.
 */
public final class ControlApi implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ControlApi.class.getName());
    private static final Pattern CLIENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");
    private static final Duration MAX_WAIT = Duration.ofSeconds(60);
    private static final long SSE_KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final LeaseElector elector;
    private final Runnable stepDown;
    private final ObjectMapper json;
    private final LeaseWatch watch;
    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * @param address  where to listen; must be a loopback address
     * @param stepDown asks the elector's runner for a planned step-down
     */
    public ControlApi(InetSocketAddress address, LeaseElector elector, Runnable stepDown, ObjectMapper json)
            throws IOException {
        requireLoopback(address);
        this.elector = elector;
        this.stepDown = stepDown;
        this.json = json;
        this.watch = new LeaseWatch(elector);
        // Long-polls and event streams each hold a thread while they wait: bounded, so a misbehaving
        // client cannot exhaust the process; beyond it new connections are refused.
        this.executor = new ThreadPoolExecutor(2, 64, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "schedlock-control");
                    t.setDaemon(true);
                    return t;
                });
        this.server = HttpServers.create(address, 64);
        this.server.createContext("/", this::handle);
        this.server.setExecutor(executor);
    }

    /**
     * Refuses an address the control API must not listen on; called before anything runs, so that a
     * bad flag never gets as far as the lease.
     *
     * @throws IllegalArgumentException naming the control-address when it does not resolve or is not loopback
     */
    public static void requireLoopback(InetSocketAddress address) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("control-address " + address.getHostString() + " does not resolve:"
                    + " use 127.0.0.1 (or ::1)");
        }
        if (!address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("control-address " + address.getHostString() + " is not a loopback"
                    + " address: the control API grants permits, so it listens on 127.0.0.1 (or ::1) only");
        }
    }

    public void start() {
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        watch.close();
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            switch (path) {
                case "/v1/lease" -> {
                    if (allow(exchange, "GET")) {
                        getLease(exchange);
                    }
                }
                case "/v1/lease/allowed" -> {
                    if (allow(exchange, "GET")) {
                        getAllowed(exchange);
                    }
                }
                case "/v1/lease/events" -> {
                    if (allow(exchange, "GET")) {
                        streamEvents(exchange);
                    }
                }
                case "/v1/lease/release" -> {
                    if (allow(exchange, "POST")) {
                        postRelease(exchange);
                    }
                }
                case "/v1/claims" -> {
                    if (allow(exchange, "POST")) {
                        postClaim(exchange);
                    }
                }
                default -> {
                    if (path.startsWith("/v1/claims/")) {
                        if (allow(exchange, "DELETE")) {
                            deleteClaim(exchange, path.substring("/v1/claims/".length()));
                        }
                    } else {
                        Exchanges.sendError(exchange, 404, "NOT_FOUND", "no such endpoint: " + method + " "
                                + path + " (see docs/api.md)", json);
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "control API client went away: {0}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "control API request failed", e);
            throw e;
        }
    }

    private boolean allow(HttpExchange exchange, String method) throws IOException {
        if (exchange.getRequestMethod().equals(method)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", method);
        Exchanges.sendError(exchange, 405, "METHOD_NOT_ALLOWED",
                exchange.getRequestURI().getPath() + " accepts " + method + " only", json);
        return false;
    }

    // GET /v1/lease[?wait=30s&version=N]
    private void getLease(HttpExchange exchange) throws IOException {
        Map<String, String> query = Exchanges.query(exchange);
        String waitParam = query.get("wait");
        String versionParam = query.get("version");
        if (waitParam != null || versionParam != null) {
            if (waitParam == null || versionParam == null) {
                Exchanges.sendError(exchange, 400, "BAD_REQUEST",
                        "long-poll needs both wait (e.g. 30s) and version (from the last answer)", json);
                return;
            }
            Duration wait;
            long version;
            try {
                wait = parseWait(waitParam);
                version = parseVersion(versionParam);
            } catch (IllegalArgumentException e) {
                Exchanges.sendError(exchange, 400, "BAD_REQUEST", e.getMessage(), json);
                return;
            }
            try {
                watch.awaitChange(version, wait.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // A long-poll answer is a notification, never a permit: a permit counts from when the
            // request was sent, and this one was sent up to a minute ago. Ask again without wait.
            LeaseElector.Query answer = elector.query(false);
            Exchanges.sendJson(exchange, 200, view(answer, 0), json);
            return;
        }
        LeaseElector.Query answer = elector.query(true);
        Exchanges.sendJson(exchange, 200, view(answer, answer.permit().validForMillis()), json);
    }

    // GET /v1/lease/allowed[?client=NAME]: 200 with a permit, 409 without; for `curl -f`.
    private void getAllowed(HttpExchange exchange) throws IOException {
        String client = Exchanges.query(exchange).get("client");
        if (client != null) {
            if (!CLIENT.matcher(client).matches()) {
                Exchanges.sendError(exchange, 400, "BAD_REQUEST", badClientMessage(), json);
                return;
            }
            if (refuseClaimsInPodMode(exchange)) {
                return;
            }
            sendClaim(exchange, elector.claim(client));
            return;
        }
        LeaseElector.Query answer = elector.query(true);
        long validFor = answer.permit().validForMillis();
        Exchanges.sendJson(exchange, validFor > 0 ? 200 : 409, view(answer, validFor), json);
    }

    // GET /v1/lease/events: server-sent events, one per change; notifications, never permits.
    private void streamEvents(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        LeaseElector.Query first = elector.query(false);
        long version = first.snapshot().version();
        writeEvent(out, view(first, 0));
        try {
            while (!Thread.currentThread().isInterrupted() && !watch.isClosed()) {
                if (!watch.awaitChange(version, SSE_KEEPALIVE_NANOS)) {
                    out.write(": keepalive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    continue;
                }
                LeaseElector.Query answer = elector.query(false);
                version = answer.snapshot().version();
                writeEvent(out, view(answer, 0));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeEvent(OutputStream out, LeaseView view) throws IOException {
        String event = "id: " + view.version() + "\nevent: lease\ndata: " + json.writeValueAsString(view) + "\n\n";
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // POST /v1/lease/release: planned step-down.
    private void postRelease(HttpExchange exchange) throws IOException {
        if (Exchanges.readBody(exchange) == null) {
            sendTooLarge(exchange);
            return;
        }
        boolean leading = elector.query(false).snapshot().isLeader(elector.clock().nanoTime());
        stepDown.run();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accepted", true);
        body.put("wasLeader", leading);
        body.put("message", leading
                ? "stepping down: no new permits; the lease is released once issued permits are returned or expired"
                : "not leading; standing by without acquiring for two retry intervals");
        Exchanges.sendJson(exchange, 202, body, json);
    }

    private void sendTooLarge(HttpExchange exchange) throws IOException {
        Exchanges.sendError(exchange, 413, "BODY_TOO_LARGE", "request body over " + Exchanges.MAX_BODY_BYTES
                + " bytes", json);
    }

    // POST /v1/claims {"client": "..."}
    private void postClaim(HttpExchange exchange) throws IOException {
        byte[] body = Exchanges.readBody(exchange);
        if (body == null) {
            sendTooLarge(exchange);
            return;
        }
        String client;
        try {
            JsonNode node = json.readTree(body);
            JsonNode field = node == null ? null : node.get("client");
            if (field == null || !field.isTextual()) {
                Exchanges.sendError(exchange, 400, "BAD_REQUEST",
                        "body must be a JSON object with a string field \"client\", e.g. {\"client\":\"worker-1\"}", json);
                return;
            }
            client = field.asText();
        } catch (JsonProcessingException e) {
            Exchanges.sendError(exchange, 400, "BAD_REQUEST", "body is not valid JSON: "
                    + e.getOriginalMessage(), json);
            return;
        }
        if (!CLIENT.matcher(client).matches()) {
            Exchanges.sendError(exchange, 400, "BAD_REQUEST", badClientMessage(), json);
            return;
        }
        if (refuseClaimsInPodMode(exchange)) {
            return;
        }
        sendClaim(exchange, elector.claim(client));
    }

    /**
     * In pod mode every lease query from the leading pod is a permit, so a claim could not be
     * exclusive: a claim holder and a polling process would both hold permits. Refused.
     */
    private boolean refuseClaimsInPodMode(HttpExchange exchange) throws IOException {
        if (elector.config().permitMode() == PermitMode.CLAIMS) {
            return false;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("granted", false);
        body.put("fencingToken", 0);
        body.put("validForMillis", 0);
        body.put("reason", "PERMIT_MODE_POD");
        body.put("message", "claims need --permit-mode claims; in pod mode every GET /v1/lease from the leading"
                + " pod is a permit");
        Exchanges.sendJson(exchange, 409, body, json);
        return true;
    }

    private void sendClaim(HttpExchange exchange, ClaimResult claim) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("granted", claim.granted());
        Permit permit = claim.permit();
        body.put("fencingToken", permit == null ? 0 : permit.fencingToken());
        body.put("validForMillis", permit == null ? 0 : permit.validForMillis());
        if (!claim.granted()) {
            body.put("reason", claim.reason());
            if (claim.heldBy() != null) {
                body.put("heldBy", claim.heldBy());
            }
        }
        Exchanges.sendJson(exchange, claim.granted() ? 200 : 409, body, json);
    }

    // DELETE /v1/claims/{client}
    private void deleteClaim(HttpExchange exchange, String client) throws IOException {
        if (!CLIENT.matcher(client).matches()) {
            Exchanges.sendError(exchange, 400, "BAD_REQUEST", badClientMessage(), json);
            return;
        }
        if (elector.returnClaim(client)) {
            Exchanges.sendEmpty(exchange, 204);
        } else {
            Exchanges.sendError(exchange, 404, "NO_CLAIM", "client '" + client + "' holds no claim", json);
        }
    }

    private static LeaseView view(LeaseElector.Query answer, long validForMillis) {
        return LeaseView.of(answer.snapshot(), answer.nowNanos(), validForMillis);
    }

    private static String badClientMessage() {
        return "client must be 1-128 letters, digits, '.', '_', ':', '@' or '-', starting with a letter or digit";
    }

    private static long parseVersion(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("version '" + text + "' is not a number: pass the version field of"
                    + " the last answer");
        }
    }

    private static Duration parseWait(String text) {
        Duration wait;
        try {
            wait = dev.schedlock.sidecar.lease.Durations.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("wait '" + text + "' is not a duration: write e.g. 30s");
        }
        if (wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("wait " + text + " is longer than the maximum of 60s");
        }
        return wait;
    }
}
