package dev.schedlock.sidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.schedlock.sidecar.process.SidecarProcess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One app client per slot of a {@link SidecarGroup}: asks its sidecar {@code GET /v1/lease} every
 * 10 ms, as a polling scheduler would, and records the first permit of every holding it sees
 * (an answer with {@code leader: true} and {@code validForMillis > 0} whose token differs from the
 * last permit it got). A slot's client follows the slot when its sidecar is replaced.
 */
final class PermitPoller implements AutoCloseable {

    static final long POLL_MILLIS = 10;

    /** The first permit of a holding as one client received it; times on this JVM's monotonic clock. */
    record Holding(int slot, String holderId, long token, long sentNanos, long receivedNanos) {
    }

    private final SidecarGroup group;
    private final List<Thread> clients = new ArrayList<>();
    private final List<Holding> holdings = new ArrayList<>();
    private final long[] lastPermitNanos;
    private volatile boolean closed;

    PermitPoller(SidecarGroup group) {
        this.group = group;
        this.lastPermitNanos = new long[group.size()];
        for (int slot = 0; slot < group.size(); slot++) {
            int s = slot;
            Thread t = new Thread(() -> poll(s), "poller-" + slot);
            t.setDaemon(true);
            clients.add(t);
        }
    }

    void start() {
        clients.forEach(Thread::start);
    }

    private void poll(int slot) {
        long lastToken = -1;
        while (!closed) {
            SidecarProcess sidecar = group.get(slot);
            try {
                if (sidecar != null && sidecar.isAlive()) {
                    SidecarProcess.Reply reply = sidecar.get("/v1/lease");
                    JsonNode lease = reply.json();
                    if (reply.status() == 200 && lease.path("leader").asBoolean()
                            && lease.path("validForMillis").asLong() > 0) {
                        long token = lease.path("fencingToken").asLong();
                        synchronized (this) {
                            lastPermitNanos[slot] = reply.receivedNanos();
                            if (token != lastToken) {
                                holdings.add(new Holding(slot, lease.path("holder").path("id").asText(), token,
                                        reply.sentNanos(), reply.receivedNanos()));
                                notifyAll();
                            }
                        }
                        lastToken = token;
                    }
                }
            } catch (IOException | RuntimeException | AssertionError e) {
                // a killed or starting sidecar does not answer: no permit
            } catch (InterruptedException e) {
                return;
            }
            try {
                Thread.sleep(POLL_MILLIS); // the client's polling interval
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Waits for the first holding that matches, up to {@code timeoutNanos}. */
    synchronized Optional<Holding> await(Predicate<Holding> matching, long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        while (true) {
            Optional<Holding> found = holdings.stream().filter(matching).findFirst();
            long left = end - System.nanoTime();
            if (found.isPresent() || left <= 0) {
                return found;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** The slot whose client got a permit within the last {@code withinNanos}, if any. */
    synchronized Optional<Integer> recentPermitSlot(long withinNanos) {
        long now = System.nanoTime();
        for (int slot = 0; slot < lastPermitNanos.length; slot++) {
            if (lastPermitNanos[slot] != 0 && now - lastPermitNanos[slot] < withinNanos) {
                return Optional.of(slot);
            }
        }
        return Optional.empty();
    }

    /** The newest holding a slot's client saw. */
    synchronized Optional<Holding> latest(int slot) {
        for (int i = holdings.size() - 1; i >= 0; i--) {
            if (holdings.get(i).slot() == slot) {
                return Optional.of(holdings.get(i));
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        closed = true;
        clients.forEach(Thread::interrupt);
    }
}
