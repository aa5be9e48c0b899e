package dev.schedlock.sidecar.pg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Polls every sidecar's {@code GET /v1/lease} (as its main container would) and {@code /readyz},
 * each from a thread of its own, and keeps what they said. A permit is an answer with
 * {@code validForMillis > 0}; as the client sees it, it is valid from the instant the request was
 * sent for {@code validForMillis}. {@link #assertNoOverlap()} checks that no two sidecars held
 * valid permits at the same instant and that tokens only rose from one holder to the next.
 */
final class PermitChecker implements AutoCloseable {

    private static final long POLL_MILLIS = 25;
    private static final int READYZ_EVERY = 4;

    /** One permit as the client saw it: {@code [fromNanos, untilNanos)} on this JVM's monotonic clock. */
    record Permit(String sidecar, long token, long fromNanos, long untilNanos) {
    }

    /** One answer of {@code /readyz}. */
    record Readiness(String sidecar, long atNanos, int status, String body) {
    }

    private final List<Permit> permits = new ArrayList<>();
    private final List<Readiness> readiness = new ArrayList<>();
    private final List<Thread> pollers = new ArrayList<>();
    private volatile boolean closed;

    PermitChecker(List<PgSidecar> sidecars) {
        for (PgSidecar sidecar : sidecars) {
            Thread t = new Thread(() -> poll(sidecar), "permit-checker-" + sidecar.name());
            t.setDaemon(true);
            pollers.add(t);
        }
        pollers.forEach(Thread::start);
    }

    private void poll(PgSidecar sidecar) {
        for (long n = 0; !closed; n++) {
            try {
                if (sidecar.controlListening()) {
                    PgSidecar.Reply reply = sidecar.control("/v1/lease");
                    JsonNode lease = reply.json();
                    long validFor = lease.path("validForMillis").asLong();
                    if (reply.status() == 200 && validFor > 0) {
                        synchronized (permits) {
                            permits.add(new Permit(sidecar.name(), lease.path("fencingToken").asLong(),
                                    reply.sentNanos(), reply.sentNanos() + validFor * 1_000_000));
                        }
                    }
                }
                if (n % READYZ_EVERY == 0) {
                    PgSidecar.Reply ready = sidecar.status("/readyz");
                    synchronized (readiness) {
                        readiness.add(new Readiness(sidecar.name(), ready.sentNanos(), ready.status(), ready.body()));
                    }
                }
            } catch (IOException e) {
                // not listening (yet, or any more) or too slow: no permit from this poll
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(POLL_MILLIS); // the poll interval of a main container
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    List<Permit> permits() {
        synchronized (permits) {
            return List.copyOf(permits);
        }
    }

    List<Readiness> readiness() {
        synchronized (readiness) {
            return List.copyOf(readiness);
        }
    }

    /** The first permit any sidecar got from a request sent at or after {@code nanos}. */
    Optional<Permit> firstPermitSentAfter(long nanos) {
        return permits().stream().filter(p -> p.fromNanos() - nanos >= 0)
                .min(Comparator.comparingLong(Permit::fromNanos));
    }

    /** The {@code /readyz} answers that {@code sidecar} gave between two instants. */
    List<Readiness> readinessOf(String sidecar, long fromNanos, long toNanos) {
        return readiness().stream().filter(r -> r.sidecar().equals(sidecar))
                .filter(r -> r.atNanos() - fromNanos >= 0 && toNanos - r.atNanos() >= 0).toList();
    }

    /**
     * No instant at which two sidecars held valid permits, and the token rises whenever the holder
     * changes. Sweeps the permits in order of their start, keeping for each sidecar the latest end
     * of the permits it got so far.
     */
    void assertNoOverlap() {
        List<Permit> sorted = new ArrayList<>(permits());
        sorted.sort(Comparator.comparingLong(Permit::fromNanos));
        assertThat(sorted).as("permits seen").isNotEmpty();
        Map<String, Permit> latestEnd = new HashMap<>();
        Permit previous = null;
        for (Permit p : sorted) {
            for (Permit other : latestEnd.values()) {
                if (!other.sidecar().equals(p.sidecar())) {
                    assertThat(p.fromNanos() - other.untilNanos())
                            .as("%s got a permit (token %d) %d ms before the permit of %s (token %d) ended",
                                    p.sidecar(), p.token(), (other.untilNanos() - p.fromNanos()) / 1_000_000,
                                    other.sidecar(), other.token())
                            .isGreaterThanOrEqualTo(0);
                }
            }
            if (previous != null) {
                assertThat(p.token()).as("token of %s after %s's token %d", p.sidecar(), previous.sidecar(),
                        previous.token()).isGreaterThanOrEqualTo(previous.token());
                if (!previous.sidecar().equals(p.sidecar())) {
                    assertThat(p.token()).as("token of the next holder %s", p.sidecar())
                            .isGreaterThan(previous.token());
                }
            }
            latestEnd.merge(p.sidecar(), p, (a, b) -> b.untilNanos() - a.untilNanos() > 0 ? b : a);
            previous = p;
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        for (Thread t : pollers) {
            t.interrupt();
            t.join(5_000);
        }
    }
}
