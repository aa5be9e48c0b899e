package dev.schedlock.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The sidecar's control API ({@code docs/api.md}) over the JDK's HTTP client. Thread-safe; make one
 * per process and share it.
 *
 * <pre>{@code
 * SchedlockClient sidecar = SchedlockClient.fromEnvironment();   // $SCHEDLOCK_URL
 * Optional<Permit> permit = sidecar.permit();                    // pod mode
 * if (permit.isPresent()) {
 *     runJob(permit.get().fencingToken());
 * }
 * }</pre>
 *
 * <h2>Timing</h2>
 * Every permit counts from the moment its request was sent ({@link Permit}). Requests time out
 * after the request timeout (2 s unless set): a stopped sidecar (SIGSTOP, a frozen node) does not
 * refuse connections, it hangs, and an answer that comes late may be worth little. Keep the timeout
 * well below the sidecar's {@code --permit-ttl}, and ask again for a permit before half of it has
 * passed, so that a lost answer leaves time for another.
 *
 * <h2>Answers lost on a reused connection</h2>
 * The JDK client has a race when it reuses a kept-alive connection: the answer can reach the
 * connection pool's idle watcher instead of the request, which then fails with "HTTP/1.1 header
 * parser received no bytes" although the sidecar answered (JDK-8336655). The JDK itself sends a
 * GET once more in that case, but not a POST or a DELETE. This client sends a POST or a DELETE once
 * more, and only in that case (any other failure is a {@link SidecarUnreachableException}); each
 * is safe to repeat:
 * <ul>
 *   <li>{@link #lease()}, {@link #permit()}, {@link #awaitChange}: reads, repeated by the JDK; a
 *       permit counts from this client's send, before any repeat, so it ends no later than the
 *       sidecar's.</li>
 *   <li>{@link #renew(Claim)}: the handle makes it idempotent; the second grant renews again, and
 *       its permit counts from the first send.</li>
 *   <li>{@link #returnClaim(Claim)}: a second return of a claim answers 404 {@code NO_CLAIM}, which
 *       after a resend counts as returned.</li>
 *   <li>{@link #stepDown()}: a second step-down is accepted again and changes nothing.</li>
 *   <li>{@link #claim(String)}, a first claim: if the lost answer was a grant, its handle is lost
 *       with it, and the second send is refused with {@code HANDLE_MISMATCH}
 *       ({@link ClaimDeniedException#resent()} is then true). Nobody holds a permit that nobody
 *       knows of for longer than the sidecar's {@code --permit-ttl}: the claim ends by itself, and
 *       a later claim succeeds. Resending is therefore safe, never a second permit.</li>
 * </ul>
 */
public final class SchedlockClient {

    /** The header that carries a claim's handle on a return (and optionally on a claim). */
    public static final String HANDLE_HEADER = "Schedlock-Claim-Handle";

    /** The default address of the control API, used when {@code SCHEDLOCK_URL} is not set. */
    public static final URI DEFAULT_URL = URI.create("http://127.0.0.1:8470");

    /** The longest long-poll the sidecar accepts. */
    public static final Duration MAX_WAIT = Duration.ofSeconds(60);

    static final String LOST_ANSWER = "HTTP/1.1 header parser received no bytes";
    private static final Pattern CLIENT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(SchedlockClient.class.getName());

    private final URI base;
    private final Duration requestTimeout;
    private final HttpClient http;

    private SchedlockClient(URI base, Duration requestTimeout) {
        String text = base.toString().replaceAll("/+$", "");
        if (!text.startsWith("http://")) {
            throw new IllegalArgumentException("the control API is plain HTTP on a loopback address, e.g. "
                    + DEFAULT_URL + ", not " + base);
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be longer than zero, not " + requestTimeout);
        }
        this.base = URI.create(text);
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
    }

    /** A client of the sidecar at {@code $SCHEDLOCK_URL} (set by the operator), else {@link #DEFAULT_URL}. */
    public static SchedlockClient fromEnvironment() {
        String url = System.getenv("SCHEDLOCK_URL");
        return create(url == null || url.isBlank() ? DEFAULT_URL : URI.create(url.trim()));
    }

    /** A client of the sidecar at {@code base}, e.g. {@code http://127.0.0.1:8470}, with a 2 s timeout. */
    public static SchedlockClient create(URI base) {
        return create(base, Duration.ofSeconds(2));
    }

    /** A client whose requests (and connection attempts) time out after {@code requestTimeout}. */
    public static SchedlockClient create(URI base, Duration requestTimeout) {
        return new SchedlockClient(Objects.requireNonNull(base, "base"), Objects.requireNonNull(requestTimeout));
    }

    /** The control API's address. */
    public URI baseUri() {
        return base;
    }

    // ------------------------------------------------------------------ lease

    /**
     * {@code GET /v1/lease}: the lease as this sidecar sees it. From the leader's pod in pod mode
     * the answer is a permit ({@link LeaseView#permit()}); every such answer is a permit the
     * sidecar waits for before it releases, so ask when you mean to run something.
     */
    public LeaseView lease() {
        Answer answer = send(get("/v1/lease").timeout(requestTimeout));
        if (answer.status != 200) {
            throw error(answer);
        }
        return view(answer.json(), answer.sentNanos);
    }

    /** The permit of a {@link #lease()} answer, if it carries one (pod mode, leading pod). */
    public Optional<Permit> permit() {
        return lease().permit();
    }

    /**
     * Long-poll: waits until the lease's version differs from {@code version}, or {@code wait} at
     * most, and returns the view then. A notification, never a permit ({@code validForMillis} 0).
     * Pass {@code -1} to get the current view at once without taking a permit.
     */
    public LeaseView awaitChange(long version, Duration wait) {
        if (wait.toMillis() <= 0 || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("wait must be at least 1ms and at most 60s, not " + wait);
        }
        Answer answer = send(get("/v1/lease?wait=" + wait.toMillis() + "ms&version=" + version)
                .timeout(wait.plus(requestTimeout)));
        if (answer.status != 200) {
            throw error(answer);
        }
        return view(answer.json(), answer.sentNanos);
    }

    /**
     * {@code GET /v1/lease/events}: the server-sent events, as a stream of views (the current one
     * first, then one per change). Notifications, never permits. Close it to stop; it also ends
     * when the sidecar exits. {@link LeaseWatch} reconnects for you.
     */
    public EventStream events() {
        HttpRequest request = get("/v1/lease/events").header("Accept", "text/event-stream")
                .timeout(requestTimeout).build();
        HttpResponse<Stream<String>> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw unreachable(request, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(request, e);
        }
        if (response.statusCode() != 200) {
            String body;
            try (Stream<String> lines = response.body()) {
                body = String.join("\n", (Iterable<String>) lines::iterator);
            }
            throw error(new Answer(response.statusCode(), body, 0, false));
        }
        return new EventStream(response.body());
    }

    /** An open event stream: {@link #next()} blocks for the next view. */
    public static final class EventStream implements AutoCloseable {
        private final Stream<String> lines;
        private final Iterator<String> iterator;

        private EventStream(Stream<String> lines) {
            this.lines = lines;
            this.iterator = lines.iterator();
        }

        /** The next view, or empty once the stream ended (the sidecar exited or it was closed). */
        public Optional<LeaseView> next() {
            StringBuilder data = new StringBuilder();
            try {
                while (iterator.hasNext()) {
                    String line = iterator.next();
                    if (line.isEmpty()) {
                        if (data.length() > 0) {
                            return Optional.of(view(read(data.toString()), System.nanoTime()));
                        }
                    } else if (line.startsWith("data:")) {
                        data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
                    }
                }
            } catch (java.io.UncheckedIOException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }

        @Override
        public void close() {
            lines.close();
        }
    }

    /** {@code POST /v1/lease/release}: this pod steps down (planned handoff). */
    public void stepDown() {
        Answer answer = send(post("/v1/lease/release", "{}"));
        if (answer.status != 202) {
            throw error(answer);
        }
    }

    // ------------------------------------------------------------------ claims

    /**
     * {@code POST /v1/claims}: claims the pod's one permit for {@code client} ({@code --permit-mode
     * claims}). Keep the claim with {@link #renew(Claim)} before its permit ends, and
     * {@link #returnClaim(Claim) return} it when done. A grant is followed by a long-poll that
     * returns at once, for the store id (a claim's answer has none); the permit's
     * {@link Permit#storeId()} is null if the lease changed in between.
     *
     * @param client 1-128 letters, digits, {@code . _ : @ -}, starting with a letter or digit
     * @throws ClaimDeniedException with the sidecar's reason when it grants nothing
     */
    public Claim claim(String client) {
        return withStoreId(claim(client, null, null));
    }

    /** A claim's answer has no store id: it is read from the lease view of the same holding. */
    private Claim withStoreId(Claim claim) {
        // The claim is granted whatever this answers; it must not be lost to a failed look-up.
        LeaseView view;
        try {
            view = awaitChange(-1, Duration.ofMillis(1));
        } catch (SchedlockException e) {
            return claim;
        }
        Permit p = claim.permit();
        String storeId = view.leader() && view.fencingToken() == p.fencingToken() ? view.storeId() : null;
        return new Claim(claim.client(), claim.handle(),
                new Permit(p.fencingToken(), storeId, p.sentNanos(), p.validForMillis()), claim.resent());
    }

    /**
     * Renews a claim with its handle: a new permit, counted from this request. A claim that has
     * ended (expired, or the sidecar restarted) is claimed afresh by the same call, with a new
     * handle (and then, as for {@link #claim}, a look-up of the store id).
     *
     * @throws ClaimDeniedException e.g. {@code RELEASING} (stop and return it) or {@code NOT_LEADER}
     */
    public Claim renew(Claim claim) {
        Claim renewed = claim(claim.client(), claim.handle(), claim.permit().storeId());
        boolean sameHolding = renewed.handle().equals(claim.handle())
                && renewed.permit().fencingToken() == claim.permit().fencingToken();
        return sameHolding ? renewed : withStoreId(renewed);
    }

    /**
     * {@code DELETE /v1/claims/{client}}: returns the claim, so that a handoff need not wait for it.
     *
     * @return true if it was returned, false if it had already ended (expired, or returned before)
     * @throws SidecarErrorException {@code HANDLE_MISMATCH} if someone else holds a claim under this name
     */
    public boolean returnClaim(Claim claim) {
        Answer answer = send(HttpRequest.newBuilder(uri("/v1/claims/" + checkClient(claim.client())))
                .header(HANDLE_HEADER, claim.handle()).DELETE().timeout(requestTimeout));
        if (answer.status == 204) {
            return true;
        }
        if (answer.status == 404 && "NO_CLAIM".equals(code(answer))) {
            return answer.resent;   // the lost first answer was the return
        }
        throw error(answer);
    }

    private Claim claim(String client, String handle, String storeId) {
        ObjectNode body = JSON.createObjectNode().put("client", checkClient(client));
        if (handle != null) {
            body.put("handle", handle);
        }
        Answer answer = send(post("/v1/claims", body.toString()));
        JsonNode json = answer.status == 200 || answer.status == 409 ? answer.json() : null;
        if (answer.status == 200 && json.path("granted").asBoolean(false)) {
            Permit permit = new Permit(json.path("fencingToken").asLong(), storeId, answer.sentNanos,
                    json.path("validForMillis").asLong());
            return new Claim(client, json.path("handle").asText(handle), permit, answer.resent);
        }
        if (json != null && json.has("granted")) {
            String reason = text(json, "reason");
            throw new ClaimDeniedException(reason, text(json, "heldBy"), "claim of " + client + " denied: " + reason
                    + (json.has("message") ? " (" + json.get("message").asText() + ")" : "")
                    + (answer.resent ? "; sent twice, the first answer was lost on a reused connection" : ""),
                    answer.resent);
        }
        throw error(answer);
    }

    private static String checkClient(String client) {
        if (client == null || !CLIENT_NAME.matcher(client).matches()) {
            throw new IllegalArgumentException("client name must be 1-128 letters, digits, '.', '_', ':', '@' or '-',"
                    + " starting with a letter or digit, not " + client);
        }
        return client;
    }

    // ------------------------------------------------------------------ HTTP

    /** One answer, with the instant its (first) request was sent and whether it was sent twice. */
    private record Answer(int status, String body, long sentNanos, boolean resent) {
        JsonNode json() {
            return read(body);
        }
    }

    private HttpRequest.Builder get(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery)).GET();
    }

    private HttpRequest.Builder post(String path, String json) {
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(requestTimeout);
    }

    private URI uri(String pathAndQuery) {
        return URI.create(base + pathAndQuery);
    }

    private Answer send(HttpRequest.Builder builder) {
        HttpRequest request = builder.build();
        long sent = System.nanoTime();
        try {
            try {
                return answer(request, sent, false);
            } catch (IOException e) {
                if (!LOST_ANSWER.equals(e.getMessage()) || "GET".equals(request.method())) {
                    throw e;
                }
                LOG.log(System.Logger.Level.DEBUG, "{0} {1}: {2}; sent once more (JDK-8336655)",
                        request.method(), request.uri(), e.getMessage());
                return answer(request, sent, true);
            }
        } catch (IOException e) {
            throw unreachable(request, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(request, e);
        }
    }

    private Answer answer(HttpRequest request, long sent, boolean resent) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), sent, resent);
    }

    private static SidecarUnreachableException unreachable(HttpRequest request, Exception e) {
        return new SidecarUnreachableException("no answer from the sidecar to " + request.method() + " "
                + request.uri() + ": " + e + " (no answer is no permit)", e);
    }

    private static SchedlockException error(Answer answer) {
        String code = code(answer);
        String message = null;
        try {
            message = text(read(answer.body), "message");
        } catch (SidecarErrorException e) {
            // not JSON: the status alone
        }
        return new SidecarErrorException(answer.status, code, "the sidecar answered " + answer.status
                + (code != null ? " " + code : "") + (message != null ? ": " + message : ""));
    }

    private static String code(Answer answer) {
        try {
            JsonNode json = read(answer.body);
            String error = text(json, "error");
            return error != null ? error : text(json, "reason");
        } catch (SidecarErrorException e) {
            return null;
        }
    }

    private static JsonNode read(String body) {
        try {
            JsonNode json = JSON.readTree(body == null ? "" : body);
            if (json == null || !json.isObject()) {
                throw new SidecarErrorException(0, null, "not a JSON object from the sidecar: " + body);
            }
            return json;
        } catch (JsonProcessingException e) {
            throw new SidecarErrorException(0, null, "not JSON from the sidecar: " + body);
        }
    }

    private static String text(JsonNode json, String field) {
        JsonNode value = json.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static LeaseView view(JsonNode json, long sentNanos) {
        JsonNode holder = json.path("holder");
        return new LeaseView(text(json, "lockName"), text(json, "state"), json.path("leader").asBoolean(),
                json.path("fencingToken").asLong(), text(json, "storeId"), json.path("validForMillis").asLong(),
                new LeaseView.Holder(text(holder, "id"), text(holder, "pod"), text(holder, "host")),
                json.path("version").asLong(), sentNanos);
    }
}
