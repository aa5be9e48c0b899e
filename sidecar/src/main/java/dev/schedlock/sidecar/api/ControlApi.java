package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.schedlock.rules.Durations;
import dev.schedlock.sidecar.lease.ClaimHandle;
import dev.schedlock.sidecar.lease.ClaimResult;
import dev.schedlock.sidecar.lease.LeaseElector;
import dev.schedlock.sidecar.lease.Permit;
import dev.schedlock.sidecar.lease.PermitMode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The localhost control API (docs/api.md): the main container asks whether it may schedule,
 * claims the pod's one executor permit, watches for changes, and asks for a planned step-down.
 * Bound to a loopback address: whoever reaches it can obtain permits. Requests from web pages are
 * refused ({@link LocalRequests}), and a claim can be renewed or returned only with the secret
 * handle of its grant ({@link ClaimHandle}).
 *
 * <p>Every malformed request is answered 4xx without touching the lease.
 */
public final class ControlApi implements AutoCloseable {

    /** The request header that carries a claim's handle (DELETE; POST may carry it in the body instead). */
    public static final String HANDLE_HEADER = "Schedlock-Claim-Handle";
    /** Most long-polls and event streams open at once; each holds a request thread while it waits. */
    static final int MAX_WAITING = 64;
    /**
     * Most requests served at once: the waiting ones plus room for permit queries and claims while
     * slow or stuck clients hold threads (each for up to the JDK's request time limit, see
     * {@link HttpServers}).
     */
    static final int MAX_THREADS = MAX_WAITING + 128;

    private static final System.Logger LOG = System.getLogger(ControlApi.class.getName());
    private static final Pattern CLIENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");
    private static final Duration MAX_WAIT = Duration.ofSeconds(60);
    private static final long SSE_KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final LeaseElector elector;
    private final Runnable stepDown;
    private final ObjectMapper json;
    /** Exactly one JSON value per body: {@code {"client":"w"} garbage} is refused, not granted. */
    private final ObjectReader bodyReader;
    private final LeaseWatch watch;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final Semaphore waiting = new Semaphore(MAX_WAITING);

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
        this.bodyReader = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.watch = new LeaseWatch(elector);
        this.executor = HttpServers.requestThreads("schedlock-control", MAX_THREADS);
        this.server = HttpServers.create(address, 64);
        this.server.createContext("/", this::handle);
        this.server.setExecutor(executor);
        prepareClaimPath();
    }

    /**
     * Runs the JSON and handle side of a claim once, before this sidecar can lead. A standby has
     * never served a claim, so without this the first claim after it took over (the one that ends
     * a handoff) paid for loading and introspecting these classes, and for seeding the handle
     * generator: 31–279 ms on a busy 2-core machine, about 6 ms for the renewal after it
     * (measured with {@code HandoffClaimsBench} and a packet capture, docs/benchmarks.md, "Graceful
     * handoff with returned claims"). The HTTP server's own code is mostly warm on a standby already:
     * its event streams use it.
     */
    private void prepareClaimPath() {
        String handle = "AAAAAAAAAAAAAAAAAAAAAA";
        try {
            JsonNode body = bodyReader.readTree(("{\"client\":\"prepare\",\"handle\":\"" + handle + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
            ClaimHandle.isWellFormed(body.get("handle").asText()); // initializes the generator, see ClaimHandle
            json.writeValueAsBytes(Answers.Claim.granted(1, 1, handle));
            json.writeValueAsBytes(Answers.Claim.refused(1, 0, "NOT_LEADER", null, null));
        } catch (IOException e) {
            throw new UncheckedIOException("the claim path's JSON failed on a fixed example", e);
        }
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
            try {
                LocalRequests.requireLoopbackHost(exchange);
                route(exchange);
            } catch (Refusal refusal) {
                Exchanges.discardBody(exchange);
                Exchanges.sendRefusal(exchange, refusal, json);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "control API client went away: {0}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "control API request failed", e);
            throw e;
        }
    }

    private void route(HttpExchange exchange) throws IOException, Refusal {
        String path = exchange.getRequestURI().getPath();
        switch (path) {
            case "/v1/lease" -> {
                allow(exchange, "GET");
                getLease(exchange);
            }
            case "/v1/lease/allowed" -> {
                allow(exchange, "GET");
                getAllowed(exchange);
            }
            case "/v1/lease/events" -> {
                allow(exchange, "GET");
                streamEvents(exchange);
            }
            case "/v1/lease/release" -> {
                allow(exchange, "POST");
                postRelease(exchange);
            }
            case "/v1/claims" -> {
                allow(exchange, "POST");
                postClaim(exchange);
            }
            default -> {
                if (!path.startsWith("/v1/claims/")) {
                    throw new Refusal(404, "NOT_FOUND", "no such endpoint: " + exchange.getRequestMethod() + " "
                            + path + " (see docs/api.md)");
                }
                allow(exchange, "DELETE");
                deleteClaim(exchange, path.substring("/v1/claims/".length()));
            }
        }
    }

    /** Refuses any other method with 405 and an Allow header; a POST must also be JSON. */
    private static void allow(HttpExchange exchange, String method) throws Refusal {
        if (!exchange.getRequestMethod().equals(method)) {
            exchange.getResponseHeaders().set("Allow", method);
            throw new Refusal(405, "METHOD_NOT_ALLOWED", exchange.getRequestURI().getPath() + " accepts " + method
                    + " only");
        }
        if (method.equals("POST")) {
            LocalRequests.requireJson(exchange);
        }
    }

    // GET /v1/lease[?wait=30s&version=N]
    private void getLease(HttpExchange exchange) throws IOException, Refusal {
        Map<String, String> query = Exchanges.query(exchange);
        String waitParam = query.get("wait");
        String versionParam = query.get("version");
        if (waitParam == null && versionParam == null) {
            LeaseElector.Query answer = elector.query(true);
            Exchanges.sendJson(exchange, 200, view(answer, answer.permit().validForMillis()), json);
            return;
        }
        if (waitParam == null || versionParam == null) {
            throw Refusal.badRequest("long-poll needs both wait (e.g. 30s) and version (from the last answer)");
        }
        Duration wait = parseWait(waitParam);
        long version = parseVersion(versionParam);
        acquireWaitingSlot();
        try {
            watch.awaitChange(version, wait.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } finally {
            waiting.release();
        }
        // A long-poll answer is a notification, never a permit: a permit counts from when the
        // request was sent, and this one was sent up to a minute ago. Ask again without wait.
        LeaseElector.Query answer = elector.query(false);
        Exchanges.sendJson(exchange, 200, view(answer, 0), json);
    }

    /**
     * Long-polls and event streams share {@link #MAX_WAITING} slots, so that they can never take
     * the threads that permit queries and claims need.
     */
    private void acquireWaitingSlot() throws Refusal {
        if (!waiting.tryAcquire()) {
            throw new Refusal(503, "TOO_MANY_WAITING", MAX_WAITING + " long-polls and event streams are open"
                    + " already: close one, or retry later (a plain GET /v1/lease still answers)");
        }
    }

    // GET /v1/lease/allowed: 200 with a permit, 409 without; for `curl -f`.
    private void getAllowed(HttpExchange exchange) throws IOException, Refusal {
        if (Exchanges.query(exchange).containsKey("client")) {
            // It claimed once: a GET that changes state can be sent by any web page (an <img>).
            throw Refusal.badRequest("GET /v1/lease/allowed?client= is not accepted: claim with POST /v1/claims,"
                    + " which also answers 200 with a permit and 409 without (see docs/api.md)");
        }
        LeaseElector.Query answer = elector.query(true);
        long validFor = answer.permit().validForMillis();
        Exchanges.sendJson(exchange, validFor > 0 ? 200 : 409, view(answer, validFor), json);
    }

    // GET /v1/lease/events: server-sent events, one per change; notifications, never permits.
    private void streamEvents(HttpExchange exchange) throws IOException, Refusal {
        acquireWaitingSlot();
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            LeaseElector.Query first = elector.query(false);
            long version = first.snapshot().version();
            writeEvent(out, view(first, 0));
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
        } finally {
            waiting.release();
        }
    }

    private void writeEvent(OutputStream out, LeaseView view) throws IOException {
        String event = "id: " + view.version() + "\nevent: lease\ndata: " + json.writeValueAsString(view) + "\n\n";
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // POST /v1/lease/release: planned step-down.
    private void postRelease(HttpExchange exchange) throws IOException, Refusal {
        Exchanges.readBody(exchange);
        boolean leading = elector.query(false).snapshot().isLeader(elector.clock().nanoTime());
        stepDown.run();
        Exchanges.sendJson(exchange, 202, new Answers.Release(true, leading, leading
                ? "stepping down: no new permits; the lease is released once issued permits are returned or expired"
                : "not leading; standing by without acquiring for two retry intervals"), json);
    }

    // POST /v1/claims {"client": "...", "handle": "..."}
    private void postClaim(HttpExchange exchange) throws IOException, Refusal {
        JsonNode node;
        try {
            node = bodyReader.readTree(Exchanges.readBody(exchange));
        } catch (JsonProcessingException e) {
            throw Refusal.badRequest("body is not one JSON value: " + e.getOriginalMessage());
        }
        JsonNode clientField = node == null ? null : node.get("client");
        if (clientField == null || !clientField.isTextual()) {
            throw Refusal.badRequest("body must be a JSON object with a string field \"client\", e.g."
                    + " {\"client\":\"worker-1\"}, and, to renew, the \"handle\" of your grant");
        }
        String client = requireClient(clientField.asText());
        String handle = claimHandle(exchange, node.get("handle"));
        if (refuseClaimsInPodMode(exchange)) {
            return;
        }
        sendClaim(exchange, elector.claim(client, handle));
    }

    /**
     * The handle a POST presents: the body's {@code handle}, or the {@value #HANDLE_HEADER} header
     * (as on DELETE); both are fine if they agree. Null when neither is given (a first claim).
     */
    private static String claimHandle(HttpExchange exchange, JsonNode field) throws Refusal {
        String fromHeader = headerHandle(exchange);
        if (field == null || field.isNull()) {
            return fromHeader;
        }
        if (!field.isTextual() || !ClaimHandle.isWellFormed(field.asText())) {
            throw Refusal.badRequest("\"handle\" must be the string \"handle\" of your last grant (letters, digits,"
                    + " '-' and '_'); leave it out for a first claim");
        }
        if (fromHeader != null && !fromHeader.equals(field.asText())) {
            throw Refusal.badRequest("the body's \"handle\" and the " + HANDLE_HEADER + " header differ: send one");
        }
        return field.asText();
    }

    /** The {@value #HANDLE_HEADER} header, or null without one. */
    private static String headerHandle(HttpExchange exchange) throws Refusal {
        List<String> values = exchange.getRequestHeaders().get(HANDLE_HEADER);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1 || !ClaimHandle.isWellFormed(values.get(0).trim())) {
            throw Refusal.badRequest(HANDLE_HEADER + " must be one header with the \"handle\" of your grant (letters,"
                    + " digits, '-' and '_')");
        }
        return values.get(0).trim();
    }

    /**
     * In pod mode every lease query from the leading pod is a permit, so a claim could not be
     * exclusive: a claim holder and a polling process would both hold permits. Refused.
     */
    private boolean refuseClaimsInPodMode(HttpExchange exchange) throws IOException {
        if (elector.config().permitMode() == PermitMode.CLAIMS) {
            return false;
        }
        Exchanges.sendJson(exchange, 409, Answers.Claim.refused(0, 0, "PERMIT_MODE_POD", null, "claims need"
                + " --permit-mode claims; in pod mode every GET /v1/lease from the leading pod is a permit"), json);
        return true;
    }

    private void sendClaim(HttpExchange exchange, ClaimResult claim) throws IOException {
        Permit permit = claim.permit();
        long token = permit == null ? 0 : permit.fencingToken();
        long validFor = permit == null ? 0 : permit.validForMillis();
        if (claim.granted()) {
            Exchanges.sendJson(exchange, 200, Answers.Claim.granted(token, validFor, claim.handle()), json);
            return;
        }
        String message = !claim.reason().equals("HANDLE_MISMATCH") ? null : "client '" + claim.heldBy() + "' holds"
                + " the claim under another handle: another process uses the same client name, or this one lost the"
                + " handle of its grant (e.g. it restarted). It ends within the permit TTL if not renewed; give each"
                + " process its own client name";
        Exchanges.sendJson(exchange, 409, Answers.Claim.refused(token, validFor, claim.reason(), claim.heldBy(),
                message), json);
    }

    // DELETE /v1/claims/{client}, with the header Schedlock-Claim-Handle
    private void deleteClaim(HttpExchange exchange, String client) throws IOException, Refusal {
        requireClient(client);
        String handle = headerHandle(exchange);
        switch (elector.returnClaim(client, handle)) {
            case RETURNED -> Exchanges.sendEmpty(exchange, 204);
            case NO_CLAIM -> throw new Refusal(404, "NO_CLAIM", "client '" + client + "' holds no claim");
            case HANDLE_MISMATCH -> throw new Refusal(409, "HANDLE_MISMATCH", "client '" + client + "' holds a"
                    + " claim, and this request " + (handle == null ? "carries no " + HANDLE_HEADER + " header"
                    : "carries another handle") + ": send the \"handle\" of your grant in " + HANDLE_HEADER
                    + ". The claim stays with its holder; unless renewed it ends within the permit TTL");
        }
    }

    private static String requireClient(String client) throws Refusal {
        if (!CLIENT.matcher(client).matches()) {
            throw Refusal.badRequest("client must be 1-128 letters, digits, '.', '_', ':', '@' or '-', starting with"
                    + " a letter or digit");
        }
        return client;
    }

    private static LeaseView view(LeaseElector.Query answer, long validForMillis) {
        return LeaseView.of(answer.snapshot(), answer.nowNanos(), validForMillis);
    }

    private static long parseVersion(String text) throws Refusal {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw Refusal.badRequest("version '" + text + "' is not a number: pass the version field of the last"
                    + " answer");
        }
    }

    private static Duration parseWait(String text) throws Refusal {
        Duration wait;
        try {
            wait = Durations.parse(text);
        } catch (RuntimeException e) {
            throw Refusal.badRequest("wait '" + text + "' is not a duration: write e.g. 30s");
        }
        if (wait.isNegative() || wait.isZero()) {
            throw Refusal.badRequest("wait " + text + " must be longer than zero: write e.g. 30s (at most 60s)");
        }
        if (wait.compareTo(MAX_WAIT) > 0) {
            throw Refusal.badRequest("wait " + text + " is longer than the maximum of 60s");
        }
        return wait;
    }
}
