package dev.schedlock.sidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Several app clients watching one control API at once, long-poll and server-sent events, and
 * the bookkeeping of one change at a time: after {@link #beginRound(long)} each client records
 * the first answer whose version is newer than the round's baseline, with the instant it had
 * parsed it (and, for a long-poll, when that request was sent).
 */
final class Watchers implements AutoCloseable {

    private final int longPolls;
    private final List<AutoCloseable> clients = new ArrayList<>();
    private final long[] lastVersion;
    private final long[] receivedNanos;
    private final long[] sentNanos;
    private long baseline = Long.MAX_VALUE;

    Watchers(URI base, int longPolls, int streams) {
        this.longPolls = longPolls;
        int all = longPolls + streams;
        this.lastVersion = new long[all];
        this.receivedNanos = new long[all];
        this.sentNanos = new long[all];
        Arrays.fill(lastVersion, -1);
        for (int c = 0; c < longPolls; c++) {
            int client = c;
            clients.add(LongPoller.start(base, "lp-" + c, (view, sent, received) -> seen(client, view, sent, received)));
        }
        for (int c = longPolls; c < all; c++) {
            int client = c;
            clients.add(EventStream.open(base, "sse-" + c, (view, received) -> seen(client, view, 0, received)));
        }
    }

    private synchronized void seen(int client, JsonNode view, long sent, long received) {
        long version = view.path("version").asLong();
        lastVersion[client] = version;
        if (version > baseline && receivedNanos[client] == 0) {
            receivedNanos[client] = received;
            sentNanos[client] = sent;
        }
        notifyAll();
    }

    /** Waits until every client has seen the same version, and returns it. */
    synchronized long awaitAgreement(long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        while (true) {
            long first = lastVersion[0];
            if (first >= 0 && Arrays.stream(lastVersion).allMatch(v -> v == first)) {
                return first;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("clients do not agree on a version: " + Arrays.toString(lastVersion));
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    synchronized void beginRound(long baselineVersion) {
        baseline = baselineVersion;
        Arrays.fill(receivedNanos, 0);
        Arrays.fill(sentNanos, 0);
    }

    /** Waits until every client has seen a version newer than the baseline, or the timeout passes. */
    synchronized void awaitRound(long timeoutNanos) throws InterruptedException {
        long end = System.nanoTime() + timeoutNanos;
        while (Arrays.stream(receivedNanos).anyMatch(r -> r == 0)) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    int longPolls() {
        return longPolls;
    }

    int size() {
        return lastVersion.length;
    }

    /** When client {@code c} had parsed the change of this round; 0 if it has not. */
    synchronized long receivedNanos(int c) {
        return receivedNanos[c];
    }

    /** When the long-poll that answered client {@code c} in this round was sent; 0 for an event stream. */
    synchronized long sentNanos(int c) {
        return sentNanos[c];
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
    }
}
