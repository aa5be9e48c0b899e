package dev.schedlock.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.schedlock.sidecar.store.HistoryEntry;
import java.time.Instant;
import java.util.List;

/**
 * The JSON answer of the status server's {@code GET /v1/history}: the lock's newest transitions,
 * newest first, as the {@code history} command lists them (docs/api.md).
 */
public record HistoryView(String lockName, List<Transition> transitions) {

    /** Most transitions one request may ask for: the query holds the store for its duration. */
    public static final int MAX_LIMIT = 100;
    public static final int DEFAULT_LIMIT = 20;

    /** One transition; {@code at} is the store's clock, {@code reason} absent when there is none. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Transition(String at, long atMs, String kind, long fencingToken, LeaseView.Holder holder,
                             String reason) {
    }

    public static HistoryView of(String lockName, List<HistoryEntry> entries) {
        return new HistoryView(lockName, entries.stream().map(e -> new Transition(
                Instant.ofEpochMilli(e.atMs()).toString(), e.atMs(), e.kind().dbValue(), e.fencingToken(),
                new LeaseView.Holder(e.holderId(), e.holderPod(), e.holderHost()), e.reason())).toList());
    }
}
