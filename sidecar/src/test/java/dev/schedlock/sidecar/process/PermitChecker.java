package dev.schedlock.sidecar.process;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The safety checker of the process tests: a background thread asks every sidecar
 * {@code GET /v1/lease} in a loop, as many main containers would, and keeps every answer (in
 * claims mode, {@link #claiming}, it claims with {@code POST /v1/claims} instead).
 *
 * <p>An answer with {@code validForMillis > 0} is a permit that its client may act on from the
 * moment the answer ARRIVED until {@code sent + validForMillis}, on this JVM's
 * {@link System#nanoTime()}: the validity counts from when the request was SENT (the contract of
 * {@code docs/api.md}; the answer may arrive much later, e.g. from a paused process, and then
 * gives less time or none), and no client can act on an answer before it has it. {@link #violations()}
 * lists:
 * <ul>
 *   <li>every instant at which permits of two different sidecars were both usable;</li>
 *   <li>every fencing-token regression: permits ordered by send time must carry non-decreasing
 *       tokens, one token must belong to one sidecar, and each sidecar's reported token must never
 *       go down. Tokens are compared only within one store id ({@code storeId} of the answer): a
 *       store replaced under the sidecars (a new file, a recreated schema) counts its tokens anew,
 *       which a guarded write tells apart by the id. Overlap is checked across stores too.</li>
 * </ul>
 * At most one request per sidecar is in flight, so a paused sidecar does not slow the others.
 */
public final class PermitChecker implements AutoCloseable {

    /** How often each sidecar is asked; a busy main container asks about as often. */
    private static final long PACE_MILLIS = 20;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

    /** One answer of one sidecar; {@code storeId} null when the answer names none (a claim). */
    public record Answer(String sidecar, long sentNanos, long receivedNanos, String state, boolean leader,
                  long fencingToken, String storeId, long validForMillis) {

        public Answer(String sidecar, long sentNanos, long receivedNanos, String state, boolean leader,
                      long fencingToken, long validForMillis) {
            this(sidecar, sentNanos, receivedNanos, state, leader, fencingToken, null, validForMillis);
        }

        /** The token with the store it counts in: tokens of different stores are not comparable. */
        String storeToken() {
            return (storeId == null ? "" : storeId + "/") + fencingToken;
        }

        public boolean isPermit() {
            return validForMillis > 0;
        }

        /** The client may act on the permit from here: it has the answer. */
        public long permitStartNanos() {
            return receivedNanos;
        }

        public long permitEndNanos() {
            return sentNanos + TimeUnit.MILLISECONDS.toNanos(validForMillis);
        }

        /** A permit that is still valid when its answer arrives; one that is not gives its client nothing. */
        public boolean isUsable() {
            return isPermit() && permitEndNanos() - permitStartNanos() > 0;
        }
    }

    /** The client name each sidecar's claims-mode client claims as. */
    static final String CLAIM_CLIENT = "checker";

    private final List<SidecarProcess> sidecars;
    private final boolean claims;
    private final List<Answer> answers = new ArrayList<>();
    private final Map<SidecarProcess, CompletableFuture<?>> inFlight = new HashMap<>();
    /** Claims mode: the handle of each sidecar's last grant, sent with the next claim to renew it. */
    private final Map<SidecarProcess, String> handles = new ConcurrentHashMap<>();
    private final List<String> badAnswers = new ArrayList<>();
    private final Thread loop;
    private final long startNanos = System.nanoTime();
    private volatile boolean running = true;
    private int failedRequests;
    private int deniedClaims;

    /** A checker that does not poll yet; {@link #add} feeds it answers (the checker's own test). */
    PermitChecker(List<SidecarProcess> sidecars) {
        this(sidecars, false);
    }

    private PermitChecker(List<SidecarProcess> sidecars, boolean claims) {
        this.claims = claims;
        this.sidecars = new CopyOnWriteArrayList<>(sidecars);
        this.loop = new Thread(this::pollLoop, "permit-checker");
        this.loop.setDaemon(true);
    }

    /** Starts polling every one of {@code sidecars} at once. */
    public static PermitChecker watching(List<SidecarProcess> sidecars) {
        PermitChecker checker = new PermitChecker(sidecars);
        checker.loop.start();
        return checker;
    }

    /**
     * Starts claiming at every one of {@code sidecars} (run with {@code --permit-mode claims}): each
     * sidecar's client sends {@code POST /v1/claims} as client {@value #CLAIM_CLIENT} in the same
     * loop, with the handle of its last grant, which renews its claim while the sidecar leads (a
     * grant whose answer was lost leaves it without the handle: it is refused until that claim
     * expires, as a real client would be). A grant (200) is a permit like any
     * other; a denial (409) is counted, not kept, since it names no token.
     */
    public static PermitChecker claiming(List<SidecarProcess> sidecars) {
        PermitChecker checker = new PermitChecker(sidecars, true);
        checker.loop.start();
        return checker;
    }

    /** Polls {@code p} too from now on, e.g. a sidecar started in place of a killed one. */
    public void watch(SidecarProcess p) {
        sidecars.add(p);
    }

    private void pollLoop() {
        while (running) {
            for (SidecarProcess p : sidecars) {
                CompletableFuture<?> pending = inFlight.get(p);
                // Not yet listening: a sidecar that waits for its store at start-up has no permit to give.
                if ((pending == null || pending.isDone()) && p.isAlive() && p.isListening()) {
                    inFlight.put(p, ask(p));
                }
            }
            try {
                Thread.sleep(PACE_MILLIS); // the poll loop's own pace, not a wait for an event
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private CompletableFuture<?> ask(SidecarProcess p) {
        HttpRequest request = claims
                ? Claimant.claimRequest(p.controlUri("/v1/claims"), CLAIM_CLIENT, handles.get(p))
                        .timeout(REQUEST_TIMEOUT).build()
                : HttpRequest.newBuilder(p.controlUri("/v1/lease")).timeout(REQUEST_TIMEOUT).GET().build();
        long sent = System.nanoTime();
        return SidecarProcess.HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenAccept(response -> record(p, sent, response))
                .exceptionally(e -> {
                    synchronized (answers) {
                        failedRequests++;
                    }
                    return null;
                });
    }

    private void record(SidecarProcess p, long sent, HttpResponse<String> response) {
        long received = System.nanoTime();
        JsonNode body;
        try {
            body = SidecarProcess.JSON.readTree(response.body());
        } catch (IOException e) {
            body = null;
        }
        if (claims) {
            recordClaim(p, sent, received, response, body);
            return;
        }
        JsonNode lease = body;
        if (response.statusCode() != 200 || lease == null || !lease.has("validForMillis")) {
            synchronized (answers) {
                badAnswers.add(p.name() + " answered HTTP " + response.statusCode() + ": " + response.body());
            }
            return;
        }
        add(new Answer(p.name(), sent, received, lease.path("state").asText(), lease.path("leader").asBoolean(),
                lease.path("fencingToken").asLong(), lease.path("storeId").textValue(),
                lease.path("validForMillis").asLong()));
    }

    private void recordClaim(SidecarProcess p, long sent, long received, HttpResponse<String> response,
                             JsonNode claim) {
        boolean granted = response.statusCode() == 200 && claim != null && claim.path("granted").asBoolean()
                && claim.path("validForMillis").asLong() > 0;
        boolean denied = response.statusCode() == 409 && claim != null && !claim.path("granted").asBoolean(true)
                && claim.path("validForMillis").asLong(-1) == 0;
        if (denied) {
            synchronized (answers) {
                deniedClaims++;
            }
        } else if (granted) {
            handles.put(p, claim.path("handle").asText());
            add(new Answer(p.name(), sent, received, "LEADER", true, claim.path("fencingToken").asLong(),
                    claim.path("validForMillis").asLong()));
        } else {
            synchronized (answers) {
                badAnswers.add(p.name() + " answered a claim with HTTP " + response.statusCode() + ": "
                        + response.body());
            }
        }
    }

    void add(Answer answer) {
        synchronized (answers) {
            answers.add(answer);
        }
    }

    /** Stops polling and waits (briefly) for the answers still on their way. */
    @Override
    public void close() {
        running = false;
        loop.interrupt();
        try {
            loop.join(5000);
            for (CompletableFuture<?> pending : inFlight.values()) {
                pending.completeOnTimeout(null, 2, TimeUnit.SECONDS).join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<Answer> answers() {
        synchronized (answers) {
            return List.copyOf(answers);
        }
    }

    public List<Answer> permits() {
        return answers().stream().filter(Answer::isPermit).toList();
    }

    /** The first permit (by arrival) of a sidecar matching {@code who}, asked for after {@code sentAfterNanos}. */
    Optional<Answer> firstPermit(Predicate<String> who, long sentAfterNanos) {
        return answers().stream()
                .filter(a -> a.isPermit() && who.test(a.sidecar()) && a.sentNanos() - sentAfterNanos > 0)
                .min(Comparator.comparingLong(Answer::receivedNanos));
    }

    /** Overlapping permits, token regressions and malformed answers; empty when the contract held. */
    public List<String> violations() {
        List<String> problems = new ArrayList<>();
        synchronized (answers) {
            problems.addAll(badAnswers);
        }
        problems.addAll(overlaps());
        problems.addAll(tokenRegressions());
        return problems;
    }

    /**
     * Sweeps the usable permits in order of their start: a permit overlaps another sidecar's if
     * that sidecar had a permit that started earlier and ends after this one starts.
     */
    private List<String> overlaps() {
        List<Answer> byStart = new ArrayList<>(permits().stream().filter(Answer::isUsable).toList());
        byStart.sort(Comparator.comparingLong(Answer::permitStartNanos));
        Map<String, Answer> latestEnding = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Answer permit : byStart) {
            for (Answer other : latestEnding.values()) {
                if (!other.sidecar().equals(permit.sidecar())
                        && other.permitEndNanos() - permit.permitStartNanos() > 0) {
                    long end = Math.min(other.permitEndNanos(), permit.permitEndNanos());
                    problems.add(String.format("overlap of %.1f ms: %s until %s and %s from %s",
                            (end - permit.permitStartNanos()) / 1e6, describe(other),
                            at(other.permitEndNanos()), describe(permit), at(permit.permitStartNanos())));
                }
            }
            latestEnding.merge(permit.sidecar(), permit,
                    (a, b) -> a.permitEndNanos() - b.permitEndNanos() >= 0 ? a : b);
        }
        return problems;
    }

    private List<String> tokenRegressions() {
        List<String> problems = new ArrayList<>();
        List<Answer> byStart = new ArrayList<>(permits());
        byStart.sort(Comparator.comparingLong(Answer::sentNanos));
        Map<String, String> ownerOfToken = new HashMap<>();
        Map<String, Answer> previousInStore = new HashMap<>();
        for (Answer permit : byStart) {
            Answer previous = previousInStore.put(String.valueOf(permit.storeId()), permit);
            if (previous != null && permit.fencingToken() < previous.fencingToken()) {
                problems.add("token went down: " + describe(previous) + " then " + describe(permit));
            }
            String owner = ownerOfToken.putIfAbsent(permit.storeToken(), permit.sidecar());
            if (owner != null && !owner.equals(permit.sidecar())) {
                problems.add("token " + permit.storeToken() + " granted by both " + owner + " and "
                        + permit.sidecar());
            }
        }
        Map<String, Answer> lastOfSidecar = new HashMap<>();
        for (Answer answer : answers()) { // arrival order; one request per sidecar at a time
            Answer last = lastOfSidecar.put(answer.sidecar() + " in store " + answer.storeId(), answer);
            if (last != null && answer.fencingToken() < last.fencingToken()) {
                problems.add(answer.sidecar() + " reported token " + last.fencingToken() + " then "
                        + answer.fencingToken());
            }
        }
        return problems;
    }

    private String describe(Answer a) {
        return a.sidecar() + " (token " + a.storeToken() + ", " + a.validForMillis() + " ms, asked at "
                + at(a.sentNanos()) + ", answered at " + at(a.receivedNanos()) + ")";
    }

    private String at(long nanos) {
        return String.format("%.3fs", (nanos - startNanos) / 1e9);
    }

    /** Counts for the test's log line. */
    public String summary() {
        List<Answer> all = answers();
        Map<String, Long> permitsBySidecar = new LinkedHashMap<>();
        for (Answer a : all) {
            permitsBySidecar.merge(a.sidecar(), a.isPermit() ? 1L : 0L, Long::sum);
        }
        int failed;
        int denied;
        synchronized (answers) {
            failed = failedRequests;
            denied = deniedClaims;
        }
        return all.size() + " answers, permits by sidecar " + permitsBySidecar + ", " + failed
                + " requests unanswered (dead or paused sidecars)" + (claims ? ", " + denied + " claims denied" : "");
    }
}
