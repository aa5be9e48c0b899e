package dev.schedlock.sidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedlock.sidecar.process.Claimant;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A well-behaved app in claims mode: watches its sidecar's events, claims ({@code POST /v1/claims})
 * as soon as the sidecar says it leads, renews the claim at half its validity with the handle of
 * its grant, and returns it ({@code DELETE /v1/claims/NAME} with that handle) at once when the sidecar says it is stepping down
 * ({@code state: RELEASING}) or no longer leads. Records every grant and every return with the
 * instants the answers arrived on this JVM's monotonic clock.
 */
final class ClaimClient implements AutoCloseable {

    /** A granted claim: the token, when the {@code POST} was sent and when its 200 answer arrived. */
    record Grant(long token, long sentNanos, long receivedNanos) {
    }

    /** An event of the sidecar's stream: its state, whether it leads, and when it was parsed here. */
    record Event(String state, boolean leader, long receivedNanos) {
    }

    private final SidecarProcess sidecar;
    private final String name;
    private final Claimant claimant;
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final EventStream stream;
    private final Thread actor;
    private final List<Grant> grants = new ArrayList<>();
    private final List<Event> received = new ArrayList<>();
    private volatile boolean connected;
    private volatile boolean holding;
    private volatile long returnedNanos;
    private volatile long returnSentNanos;
    private volatile boolean closed;

    ClaimClient(SidecarProcess sidecar, String name) {
        this.sidecar = sidecar;
        this.name = name;
        this.claimant = new Claimant(sidecar, name);
        URI base = sidecar.controlUri("/");
        this.stream = EventStream.open(base, name, (view, at) -> {
            connected = true;
            synchronized (received) {
                received.add(new Event(view.path("state").asText(), view.path("leader").asBoolean(), at));
            }
            events.add(view);
        });
        this.actor = new Thread(this::act, "app-" + name);
        this.actor.setDaemon(true);
        this.actor.start();
    }

    private void act() {
        JsonNode latest = null;
        long renewAtNanos = 0;
        try {
            while (!closed) {
                boolean wantClaim = latest != null && latest.path("leader").asBoolean() && !holding;
                // Retry a refused claim soon while the sidecar leads; otherwise wake for renewals.
                JsonNode event = events.poll(wantClaim ? 5 : 50, TimeUnit.MILLISECONDS);
                if (event != null) {
                    latest = event;
                }
                if (latest == null) {
                    continue;
                }
                boolean leads = latest.path("leader").asBoolean();
                if (holding && (!leads || latest.path("state").asText().equals("RELEASING"))) {
                    SidecarProcess.Reply returned = claimant.returnClaim();
                    holding = false;
                    returnSentNanos = returned.sentNanos();
                    returnedNanos = returned.receivedNanos();
                } else if (leads && (!holding || System.nanoTime() - renewAtNanos > 0)) {
                    SidecarProcess.Reply claim = claimant.claim();
                    if (claim.status() == 200) {
                        JsonNode grant = claim.json();
                        if (!holding) {
                            synchronized (grants) {
                                grants.add(new Grant(grant.path("fencingToken").asLong(), claim.sentNanos(),
                                        claim.receivedNanos()));
                            }
                        }
                        holding = true;
                        renewAtNanos = claim.sentNanos()
                                + TimeUnit.MILLISECONDS.toNanos(grant.path("validForMillis").asLong()) / 2;
                    } else {
                        holding = false;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the sidecar went away; a fresh client comes with the fresh sidecar
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether its event stream has delivered the first event (the current state). */
    boolean connected() {
        return connected;
    }

    boolean holding() {
        return holding;
    }

    SidecarProcess sidecar() {
        return sidecar;
    }

    /** When its last {@code DELETE} answer arrived; 0 if it never returned a claim. */
    long returnedNanos() {
        return returnedNanos;
    }

    /** When its last {@code DELETE} was sent; 0 if it never returned a claim. */
    long returnSentNanos() {
        return returnSentNanos;
    }

    /** The first event received after {@code afterNanos} in {@code state}, if any. */
    Optional<Event> eventAfter(long afterNanos, String state) {
        synchronized (received) {
            return received.stream().filter(e -> e.receivedNanos() - afterNanos > 0 && e.state().equals(state))
                    .findFirst();
        }
    }

    /** The newest grant, if any. */
    Optional<Grant> lastGrant() {
        synchronized (grants) {
            return grants.isEmpty() ? Optional.empty() : Optional.of(grants.get(grants.size() - 1));
        }
    }

    /** The first grant whose answer arrived after {@code afterNanos}, if any. */
    Optional<Grant> grantAfter(long afterNanos) {
        synchronized (grants) {
            return grants.stream().filter(g -> g.receivedNanos() - afterNanos > 0).findFirst();
        }
    }

    @Override
    public void close() {
        closed = true;
        stream.close();
        actor.interrupt();
    }
}
